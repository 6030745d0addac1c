using System.Text.Json.Nodes;

namespace Switchyard.Cli.Output.Printers;

/// <summary>
/// The table columns of one kind, as kubectl prints them. NAME comes first and AGE is placed by the
/// printer; <see cref="Cells"/> returns exactly one cell per header.
/// </summary>
internal abstract class KindPrinter
{
    public abstract IReadOnlyList<string> Headers(bool wide);

    public abstract IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide);

    protected static string Name(JsonNode obj) => obj.Str("metadata.name") ?? "";

    protected static string AgeOf(JsonNode obj, DateTimeOffset now) => Age.Since(obj.Str("metadata.creationTimestamp"), now);

    protected static string OrNone(string? s) => string.IsNullOrEmpty(s) ? "<none>" : s;

    /// <summary>"k=v,k2=v2" for a string map, or "&lt;none&gt;".</summary>
    protected static string Labels(JsonNode? obj, string path)
    {
        var map = obj.Map(path);
        return map.Count == 0 ? "<none>" : string.Join(",", map.Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>A metav1.LabelSelector in selector syntax (matchLabels, then matchExpressions).</summary>
    protected static string LabelSelector(JsonNode? selector) => SelectorText.Of(selector);

    /// <summary>The status of the condition of the given type ("True", "False", "Unknown").</summary>
    protected static string Condition(JsonNode obj, string type) =>
        obj.Items("status.conditions").FirstOrDefault(c => c.Str("type") == type).Str("status") ?? "Unknown";
}

/// <summary>Columns for a kind without its own: NAME AGE.</summary>
internal sealed class GenericPrinter : KindPrinter
{
    public override IReadOnlyList<string> Headers(bool wide) => ["NAME", "AGE"];

    public override IReadOnlyList<string> Cells(JsonNode obj, DateTimeOffset now, bool wide) => [Name(obj), AgeOf(obj, now)];
}
