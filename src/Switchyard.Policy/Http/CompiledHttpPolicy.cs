using System.Text.RegularExpressions;
using Switchyard.Model.Selectors;
using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Http;

/// <summary>An HTTPNetworkPolicy ready for evaluation. Ordered by namespace/name like NetworkPolicies.</summary>
public sealed class CompiledHttpPolicy
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required Selector PodSelector { get; init; }
    public CompiledHttpRule[] Rules { get; internal set; } = [];

    public string Key => $"{Namespace}/{Name}";

    /// <summary>Namespace, then name, ordinal: the order verdicts list policies in.</summary>
    public static IComparer<CompiledHttpPolicy> Order { get; } = Comparer<CompiledHttpPolicy>.Create((a, b) =>
    {
        var c = string.CompareOrdinal(a.Namespace, b.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    });

    public override string ToString() => Key;
}

/// <summary>One rule: covered ports, admitted sources, admitted requests (empty: any request).</summary>
public sealed class CompiledHttpRule
{
    public required CompiledHttpPolicy Policy { get; init; }
    public required int Index { get; init; }

    /// <summary>Reuses the NetworkPolicy rule shape for peers and ports (its id is unused).</summary>
    public required CompiledRule L4 { get; init; }
    public required CompiledHttpMatch[] Matches { get; init; }

    public string Label => $"{Policy.Key} ingress[{Index}]";

    public override string ToString() => Label;
}

/// <summary>A compiled request condition.</summary>
public sealed class CompiledHttpMatch
{
    public string? Method { get; init; }
    public string? PathPattern { get; init; }
    public Regex? Path { get; init; }
    public (string Name, string? Value)[] Headers { get; init; } = [];

    public bool Matches(HttpRequestInfo request)
    {
        if (Method is not null && !string.Equals(Method, request.Method, StringComparison.Ordinal)) return false;
        if (Path is not null && !Path.IsMatch(request.PathOnly)) return false;
        foreach (var (name, value) in Headers)
        {
            var found = false;
            foreach (var h in request.Headers)
            {
                if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase) && (value is null || string.Equals(h.Value, value, StringComparison.Ordinal)))
                {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (Method is not null) parts.Add($"method {Method}");
        if (PathPattern is not null) parts.Add($"path ~ {PathPattern}");
        parts.AddRange(Headers.Select(h => h.Value is null ? $"header {h.Name} present" : $"header {h.Name}: {h.Value}"));
        return parts.Count == 0 ? "any request" : string.Join(", ", parts);
    }
}
