using System.Collections.Concurrent;
using System.Net;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.ProxyProtocol;

namespace Switchyard.Proxy.Endpoints;

/// <summary>An endpoint as the proxy pools it: an address, the key of its TLS settings (null for cleartext), and the PROXY protocol header its connections start with.</summary>
internal readonly record struct EndpointKey(IPEndPoint Address, string? Tls, ProxyProtocolVersion ProxyProtocol = ProxyProtocolVersion.None);

/// <summary>
/// Keeps one <see cref="EndpointState"/> per upstream address (and TLS settings) across snapshots. After a new snapshot is
/// published, <see cref="Retain"/> drains the pools of endpoints that left: requests in flight finish on their
/// connections, idle connections close, and no new request is sent there.
/// </summary>
internal sealed class EndpointRegistry(ConnectionPoolOptions poolOptions)
{
    private readonly ConcurrentDictionary<EndpointKey, EndpointState> _endpoints = new();

    /// <param name="tls">TLS to the endpoint (BackendTLSPolicy); null for cleartext. Each TLS setting gets its own pool.</param>
    /// <param name="proxyProtocol">The PROXY protocol header of its connections (Service annotation); each version gets its own pool and endpoint state.</param>
    public EndpointState GetOrCreate(IPEndPoint address, UpstreamTls? tls = null, ProxyProtocolVersion proxyProtocol = ProxyProtocolVersion.None)
    {
        // Never a drained one: Retain forgets an endpoint as it drains it, and compiles (which call this) do not overlap it.
        return _endpoints.GetOrAdd(new EndpointKey(address, tls?.Key, proxyProtocol),
            static (k, s) => new EndpointState(k.Address, new ConnectionPool(k.Address, s.Options, s.Tls, k.ProxyProtocol)), (Options: poolOptions, Tls: tls));
    }

    public int Count => _endpoints.Count;

    /// <summary>Every endpoint of the current configuration (for /config).</summary>
    public IEnumerable<EndpointState> All => _endpoints.Values;

    /// <summary>Drains and forgets every endpoint not in <paramref name="live"/>.</summary>
    public void Retain(IReadOnlySet<EndpointKey> live)
    {
        foreach (var (key, state) in _endpoints)
        {
            if (live.Contains(key)) continue;
            state.Pool.Drain();
            _endpoints.TryRemove(new KeyValuePair<EndpointKey, EndpointState>(key, state));
        }
    }

    public void DrainAll()
    {
        foreach (var state in _endpoints.Values) state.Pool.Drain();
    }
}
