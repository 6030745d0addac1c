using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchyard.Cli.Output;

/// <summary>Small, forgiving readers for the wire JSON of resources: a missing or mistyped field reads as null.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The node at a dotted path ("status.podIP"), or null.</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, string path) => node.At(path) is JsonValue v ? ScalarText(v) : null;

    public static long? Long(this JsonNode? node, string path) =>
        node.At(path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n : null;

    public static bool? Bool(this JsonNode? node, string path) =>
        node.At(path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    public static IReadOnlyList<JsonNode> Items(this JsonNode? node, string path) =>
        node.At(path) is JsonArray a ? a.Where(i => i is not null).Select(i => i!).ToList() : [];

    /// <summary>The string map at a path (labels, selector, data keys), sorted by key.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Map(this JsonNode? node, string path) =>
        node.At(path) is JsonObject o
            ? o.Select(p => new KeyValuePair<string, string>(p.Key, p.Value is JsonValue v ? ScalarText(v) ?? "" : p.Value?.ToJsonString() ?? ""))
                .OrderBy(p => p.Key, StringComparer.Ordinal).ToList()
            : [];

    public static int Count(this JsonNode? node, string path) => node.At(path) switch
    {
        JsonObject o => o.Count,
        JsonArray a => a.Count,
        _ => 0,
    };

    public static string ScalarText(JsonValue v) => v.GetValueKind() switch
    {
        JsonValueKind.String => v.GetValue<string>(),
        JsonValueKind.Null => "",
        _ => v.ToJsonString(),
    };
}
