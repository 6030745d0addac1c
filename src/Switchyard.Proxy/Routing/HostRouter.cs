using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.Routing;

/// <summary>
/// Router layer, first half: the request's host selects route tables in precedence order: the exact host, then
/// wildcard suffixes from the longest, then the tables for any host. The first table with a matching entry wins.
/// Gateway API wildcards ("*.example.com") cover any number of labels; Ingress wildcards exactly one.
/// </summary>
/// <remarks>
/// On a port that Gateway listeners with different hostnames share, a router of routers (<see cref="Isolating"/>)
/// comes first: Gateway API's listener isolation, where a request is matched only against the routes of the listener
/// whose hostname matches its host most specifically (a request for foo.example.com on a port with listeners
/// foo.example.com and *.example.com never reaches the wildcard listener's routes).
/// </remarks>
internal sealed class HostRouter
{
    private readonly FrozenDictionary<string, RouteTable> _exact;
    private readonly FrozenDictionary<string, RouteTable>.AlternateLookup<ReadOnlySpan<char>> _exactBySpan;
    private readonly (string Suffix, RouteTable Table)[] _wildcards;
    private readonly RouteTable? _any;
    private readonly bool _singleLabelWildcards;
    private readonly ListenerHosts? _listeners;

    /// <param name="wildcards">Keyed by the suffix including its dot (".example.com").</param>
    public HostRouter(IReadOnlyDictionary<string, RouteTable> exact, IReadOnlyDictionary<string, RouteTable> wildcards, RouteTable? any, bool singleLabelWildcards)
    {
        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _exactBySpan = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcards = [.. wildcards.OrderByDescending(w => w.Key.Length).ThenBy(w => w.Key, StringComparer.Ordinal).Select(w => (w.Key, w.Value))];
        _any = any;
        _singleLabelWildcards = singleLabelWildcards;
    }

    private HostRouter(ListenerHosts listeners)
        : this(new Dictionary<string, RouteTable>(), new Dictionary<string, RouteTable>(), null, false) => _listeners = listeners;

    public static readonly HostRouter Empty = new(new Dictionary<string, RouteTable>(), new Dictionary<string, RouteTable>(), null, false);

    /// <summary>
    /// The router of a port shared by listeners with different hostnames: each request goes to the router of the
    /// listener whose hostname matches its host most specifically (the exact name, then the longest wildcard, then the
    /// listener without a hostname, keyed ""), and matches nothing when none does.
    /// </summary>
    public static HostRouter Isolating(IReadOnlyDictionary<string, HostRouter> byListenerHostname) => new(new ListenerHosts(byListenerHostname));

    /// <param name="method">The method to match instead of the request's (a CORS preflight's Access-Control-Request-Method); null: the request's.</param>
    public RouteEntry? Match(HttpRequest request, ReadOnlySpan<char> host, string path, string? method = null)
    {
        if (_listeners is { } listeners) return listeners.For(host)?.Match(request, host, path, method);
        if (host.Length > 0)
        {
            if (_exactBySpan.TryGetValue(host, out var exact) && exact.Match(request, path, method) is { } e) return e;
            foreach (var (suffix, table) in _wildcards)
            {
                if (host.Length <= suffix.Length || !host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) continue;
                if (_singleLabelWildcards && host[..(host.Length - suffix.Length)].Contains('.')) continue;
                if (table.Match(request, path, method) is { } w) return w;
            }
        }
        return _any?.Match(request, path, method);
    }

    /// <summary>The routers of the listeners sharing a port, by the listener's hostname (Gateway API wildcards: any number of labels).</summary>
    private sealed class ListenerHosts
    {
        private readonly FrozenDictionary<string, HostRouter>.AlternateLookup<ReadOnlySpan<char>> _exact;
        private readonly (string Suffix, HostRouter Router)[] _wildcards;
        private readonly HostRouter? _any;

        public ListenerHosts(IReadOnlyDictionary<string, HostRouter> byHostname)
        {
            _exact = byHostname.Where(h => h.Key.Length > 0 && !h.Key.StartsWith('*')).ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
            _wildcards = [.. byHostname.Where(h => h.Key.StartsWith('*')).Select(h => (h.Key[1..], h.Value)).OrderByDescending(w => w.Item1.Length).ThenBy(w => w.Item1, StringComparer.Ordinal)];
            _any = byHostname.GetValueOrDefault("");
        }

        public HostRouter? For(ReadOnlySpan<char> host)
        {
            if (host.Length == 0) return _any;
            if (_exact.TryGetValue(host, out var exact)) return exact;
            foreach (var (suffix, router) in _wildcards)
            {
                if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return router;
            }
            return _any;
        }
    }

    /// <summary>
    /// The host name of the request's Host header (HTTP/2's :authority), its port and a trailing dot removed, as <see cref="HostString.Host"/>
    /// reads it, without making a string in the usual case: an ASCII name or IPv4 address with at most one colon followed
    /// by a port. Anything else (an IPv6 literal, a punycode label, which <see cref="HostString"/> decodes) is left to
    /// <see cref="HostString"/>.
    /// </summary>
    public static ReadOnlySpan<char> HostName(HttpRequest request)
    {
        string? value = request.Headers.Host;
        if (string.IsNullOrEmpty(value)) return default;
        var text = value.AsSpan();
        var colon = text.IndexOf(':');
        // An IPv6 literal, a punycode label ("xn--"), or more than one colon: HostString decodes those. One vectorized
        // search for '[' or '-' first, as most names have neither.
        if ((text.IndexOfAny('[', '-') >= 0 && (text.Contains('[') || text.IndexOf("xn--", StringComparison.OrdinalIgnoreCase) >= 0))
            || (colon >= 0 && (colon == text.Length - 1 || text[(colon + 1)..].Contains(':'))))
        {
            var decoded = request.Host.Host.AsSpan();
            return decoded.Length > 1 && decoded[^1] == '.' ? decoded[..^1] : decoded;
        }
        var name = colon < 0 ? text : text[..colon];
        // "x.test." is the fully qualified form of "x.test" (RFC 1034 §3.1): routed, and isolated, as that name.
        return name.Length > 1 && name[^1] == '.' ? name[..^1] : name;
    }
}
