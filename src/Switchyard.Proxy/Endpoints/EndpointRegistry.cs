using System.Collections.Concurrent;
using System.Net;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.ProxyProtocol;

namespace Switchyard.Proxy.Endpoints;

/// <summary>
/// An endpoint as the proxy keeps its state: the backend it belongs to (a Service port, <c>namespace/name:port</c>), an
/// address, the key of its TLS settings (null for cleartext), and the PROXY protocol header its connections start with.
/// </summary>
internal readonly record struct EndpointKey(string Backend, IPEndPoint Address, string? Tls, ProxyProtocolVersion ProxyProtocol = ProxyProtocolVersion.None)
{
    /// <summary>What its connections are pooled by: the same for every backend that reaches the address the same way.</summary>
    public PoolKey Pool => new(Address, Tls, ProxyProtocol);
}

/// <summary>What upstream connections are pooled by: an address, TLS settings, the PROXY protocol version.</summary>
internal readonly record struct PoolKey(IPEndPoint Address, string? Tls, ProxyProtocolVersion ProxyProtocol);

/// <summary>
/// Keeps one <see cref="EndpointState"/> per backend and upstream address (and TLS settings) across snapshots, and one
/// <see cref="ConnectionPool"/> per address (and TLS settings) that they share. After a new snapshot is published,
/// <see cref="Retain"/> forgets the endpoints that left and drains the pools no endpoint uses any more: requests in
/// flight finish on their connections, idle connections close, and no new request is sent there.
/// </summary>
internal sealed class EndpointRegistry(ConnectionPoolOptions poolOptions)
{
    private readonly ConcurrentDictionary<EndpointKey, EndpointState> _endpoints = new();
    private readonly ConcurrentDictionary<PoolKey, ConnectionPool> _pools = new();

    /// <param name="backend">The backend (<c>namespace/name:port</c>) the endpoint belongs to: its health and ejection are that backend's alone.</param>
    /// <param name="tls">TLS to the endpoint (BackendTLSPolicy); null for cleartext. Each TLS setting gets its own pool.</param>
    /// <param name="proxyProtocol">The PROXY protocol header of its connections (Service annotation); each version gets its own pool and endpoint state.</param>
    public EndpointState GetOrCreate(string backend, IPEndPoint address, UpstreamTls? tls = null, ProxyProtocolVersion proxyProtocol = ProxyProtocolVersion.None)
    {
        // Never a drained pool: Retain forgets a pool as it drains it, and compiles (which call this) do not overlap it.
        var key = new EndpointKey(backend, address, tls?.Key, proxyProtocol);
        if (_endpoints.TryGetValue(key, out var known)) return known;
        var pool = _pools.GetOrAdd(key.Pool, static (k, s) => new ConnectionPool(k.Address, s.Options, s.Tls, k.ProxyProtocol), (Options: poolOptions, Tls: tls));
        return _endpoints.GetOrAdd(key, static (k, pool) => new EndpointState(k.Address, pool, k.Backend), pool);
    }

    public int Count => _endpoints.Count;

    /// <summary>Every endpoint of the current configuration (for /config).</summary>
    public IEnumerable<EndpointState> All => _endpoints.Values;

    /// <summary>Forgets every endpoint not in <paramref name="live"/>, and drains and forgets the pools none of them uses.</summary>
    public void Retain(IReadOnlySet<EndpointKey> live)
    {
        foreach (var (key, state) in _endpoints)
        {
            if (!live.Contains(key)) _endpoints.TryRemove(new KeyValuePair<EndpointKey, EndpointState>(key, state));
        }
        var livePools = live.Select(k => k.Pool).ToHashSet();
        foreach (var (key, pool) in _pools)
        {
            if (livePools.Contains(key)) continue;
            pool.Drain();
            _pools.TryRemove(new KeyValuePair<PoolKey, ConnectionPool>(key, pool));
        }
    }

    public void DrainAll()
    {
        foreach (var pool in _pools.Values) pool.Drain();
    }
}
