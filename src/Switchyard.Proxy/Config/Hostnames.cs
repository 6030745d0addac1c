namespace Switchyard.Proxy.Config;

/// <summary>Gateway API hostname matching: "*.example.com" covers any name with at least one more label.</summary>
internal static class Hostnames
{
    public static bool IsWildcard(string h) => h.StartsWith("*.", StringComparison.Ordinal);

    /// <summary>Does pattern <paramref name="pattern"/> (exact or wildcard) cover the exact name <paramref name="name"/>?</summary>
    public static bool Covers(string pattern, string name) =>
        IsWildcard(pattern)
            ? name.Length > pattern.Length - 1 && name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The hostnames a route serves on a listener: null = any host (neither sets one); empty = no intersection
    /// (the route does not attach there). Otherwise the intersections, each the more specific of the two.
    /// </summary>
    public static List<string>? Intersect(string? listener, IList<string>? route)
    {
        if (route is null || route.Count == 0) return listener is null ? null : [listener];
        if (listener is null) return [.. route];
        var result = new List<string>();
        foreach (var r in route)
        {
            if (Covers(listener, r)) result.Add(r);
            else if (Covers(r, listener)) result.Add(listener);
            else if (IsWildcard(r) && IsWildcard(listener))
            {
                if (r.EndsWith(listener[1..], StringComparison.OrdinalIgnoreCase)) result.Add(r);
                else if (listener.EndsWith(r[1..], StringComparison.OrdinalIgnoreCase)) result.Add(listener);
            }
        }
        return result;
    }

    /// <summary>Do two sets of served hostnames (null: any host) share a name? Empty sets share none.</summary>
    public static bool Overlap(List<string>? a, List<string>? b)
    {
        if (a is null) return b is null || b.Count > 0;
        if (b is null) return a.Count > 0;
        return a.Any(x => b.Any(y => Intersect(x, [y]) is { Count: > 0 }));
    }
}
