using Switchyard.Model.Gateway;

namespace Switchyard.Proxy.Filters;

/// <summary>
/// The allowOrigins of a CORS filter as a matcher over a request's Origin header: <c>*</c> alone allows every origin;
/// otherwise the Origin (<c>scheme://host[:port]</c>, as browsers serialize it) must have an entry's scheme and port
/// (a missing port is the scheme's) and its host: the same one, any one for <c>*</c>, or one ending in the entry's
/// suffix with at least one character before it for <c>*.example.com</c>. Scheme and host compare case-insensitively.
/// An opaque origin (<c>null</c>) and anything that is not an origin match only <c>*</c>. Allocates nothing.
/// </summary>
internal sealed class CorsOrigins
{
    private readonly Entry[] _entries;

    private readonly record struct Entry(string Scheme, string Host, int Port, HostKind Kind);

    private enum HostKind { Exact, Suffix, Any }

    private CorsOrigins(bool any, Entry[] entries)
    {
        AllowsAny = any;
        _entries = entries;
    }

    /// <summary>The list is <c>*</c>: every Origin value matches.</summary>
    public bool AllowsAny { get; }

    /// <summary>The matcher of validated allowOrigins values; entries that do not parse are skipped (none allowed when none parse).</summary>
    public static CorsOrigins From(IList<string>? allowOrigins)
    {
        if (allowOrigins is null) return new(false, []);
        if (allowOrigins.Contains(CorsOriginPattern.Any)) return new(true, []);
        var entries = new List<Entry>();
        foreach (var value in allowOrigins)
        {
            if (CorsOriginPattern.Parse(value) is not { } p) continue;
            entries.Add(p.AnyHost ? new(p.Scheme, "", p.Port, HostKind.Any)
                : p.WildcardSuffix is { } suffix ? new(p.Scheme, suffix, p.Port, HostKind.Suffix)
                : new(p.Scheme, p.Host, p.Port, HostKind.Exact));
        }
        return new(false, [.. entries]);
    }

    public bool Allows(ReadOnlySpan<char> origin)
    {
        if (AllowsAny) return origin.Length > 0;
        if (!TrySplit(origin, out var scheme, out var host, out var port)) return false;
        foreach (var e in _entries)
        {
            if (e.Port != port || !scheme.Equals(e.Scheme, StringComparison.OrdinalIgnoreCase)) continue;
            var hit = e.Kind switch
            {
                HostKind.Exact => host.Equals(e.Host, StringComparison.OrdinalIgnoreCase),
                HostKind.Suffix => host.Length > e.Host.Length && host.EndsWith(e.Host, StringComparison.OrdinalIgnoreCase),
                _ => true,
            };
            if (hit) return true;
        }
        return false;
    }

    private static readonly System.Buffers.SearchValues<char> NotInHostAndPort = System.Buffers.SearchValues.Create("/?#@ \t");

    /// <summary>
    /// Splits a serialized origin into scheme, host and port (the scheme's default when absent: 80 for http, 443 for
    /// https, 0 for other schemes). False for anything else: no "://", an empty host, a path, query, fragment or
    /// user info, a port that is not 1..65535.
    /// </summary>
    internal static bool TrySplit(ReadOnlySpan<char> origin, out ReadOnlySpan<char> scheme, out ReadOnlySpan<char> host, out int port)
    {
        host = default;
        port = 0;
        var sep = origin.IndexOf("://", StringComparison.Ordinal);
        scheme = sep > 0 ? origin[..sep] : default;
        if (sep <= 0) return false;
        var rest = origin[(sep + 3)..];
        if (rest.IsEmpty || rest.IndexOfAny(NotInHostAndPort) >= 0) return false;
        var colon = rest.LastIndexOf(':');
        if (colon >= 0 && colon > rest.LastIndexOf(']'))
        {
            var digits = rest[(colon + 1)..];
            if (digits.Length is 0 or > 5 || digits.IndexOfAnyExceptInRange('0', '9') >= 0) return false;
            foreach (var d in digits) port = (port * 10) + (d - '0');
            if (port is < 1 or > 65535) return false;
            rest = rest[..colon];
        }
        else if (scheme.Equals("https", StringComparison.OrdinalIgnoreCase)) port = 443;
        else if (scheme.Equals("http", StringComparison.OrdinalIgnoreCase)) port = 80;
        host = rest;
        return !host.IsEmpty;
    }
}
