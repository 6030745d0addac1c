using System.Collections.Frozen;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.TlsRoutes;

/// <summary>A TLSRoute rule as the data plane uses it: its name (for logs and metrics) and its weighted backends.</summary>
internal sealed class TlsRouteTarget
{
    /// <summary>"tlsroute default/db rule 0".</summary>
    public required string Name { get; init; }

    public required BackendGroup Backends { get; init; }

    /// <summary>
    /// The client certificate validation of the listener the route was attached through (Terminate mode); null when it
    /// validates none. The router may reach a route from another listener's name (an open listener's name that only a
    /// validating listener's wildcard route covers), so the target says which connections it may serve.
    /// </summary>
    public ClientCertificateValidation? ClientValidation { get; init; }

    /// <summary>This target as attached through a listener validating client certificates with <paramref name="validation"/>.</summary>
    public TlsRouteTarget ValidatedBy(ClientCertificateValidation validation) => new() { Name = Name, Backends = Backends, ClientValidation = validation };
}

/// <summary>
/// The router of a TLS listener: a connection's server name (SNI) to the TLSRoute serving it. An exact hostname wins
/// over wildcards, and a longer wildcard over a shorter one; "*.example.com" covers names with at least one more
/// label. A connection without a server name matches nothing (every TLSRoute names its hostnames).
/// </summary>
internal sealed class SniRouter
{
    public static readonly SniRouter Empty = new(new Dictionary<string, TlsRouteTarget>());

    private readonly FrozenDictionary<string, TlsRouteTarget> _exact;

    /// <summary>Wildcards as their suffix (".example.com"), longest first.</summary>
    private readonly (string Suffix, TlsRouteTarget Target)[] _wildcards;

    /// <param name="routes">Hostname (exact, or "*." and a suffix) to target.</param>
    public SniRouter(IReadOnlyDictionary<string, TlsRouteTarget> routes)
    {
        _exact = routes.Where(r => !r.Key.StartsWith("*.", StringComparison.Ordinal)).ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _wildcards = [.. routes.Where(r => r.Key.StartsWith("*.", StringComparison.Ordinal))
            .Select(r => (r.Key[1..], r.Value)).OrderByDescending(w => w.Item1.Length).ThenBy(w => w.Item1, StringComparer.Ordinal)];
    }

    public int Count => _exact.Count + _wildcards.Length;

    public TlsRouteTarget? Match(string? serverName)
    {
        if (serverName is not { Length: > 0 }) return null;
        if (_exact.TryGetValue(serverName, out var exact)) return exact;
        foreach (var (suffix, target) in _wildcards)
        {
            if (serverName.Length > suffix.Length && serverName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return target;
        }
        return null;
    }
}
