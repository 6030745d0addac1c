using System.Collections.Concurrent;
using System.Net;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.Endpoints;

/// <summary>
/// Keeps one <see cref="EndpointState"/> per upstream address across snapshots. After a new snapshot is
/// published, <see cref="Retain"/> drains the pools of endpoints that left: requests in flight finish on their
/// connections, idle connections close, and no new request is sent there.
/// </summary>
internal sealed class EndpointRegistry(ConnectionPoolOptions poolOptions)
{
    private readonly ConcurrentDictionary<IPEndPoint, EndpointState> _endpoints = new();

    public EndpointState GetOrCreate(IPEndPoint address)
    {
        var state = _endpoints.GetOrAdd(address, a => new EndpointState(a, new ConnectionPool(a, poolOptions)));
        state.Pool.Undrain();
        return state;
    }

    public int Count => _endpoints.Count;

    /// <summary>Every endpoint of the current configuration (for /config).</summary>
    public IEnumerable<EndpointState> All => _endpoints.Values;

    /// <summary>Drains and forgets every endpoint not in <paramref name="live"/>.</summary>
    public void Retain(IReadOnlySet<IPEndPoint> live)
    {
        foreach (var (address, state) in _endpoints)
        {
            if (live.Contains(address)) continue;
            state.Pool.Drain();
            _endpoints.TryRemove(new KeyValuePair<IPEndPoint, EndpointState>(address, state));
        }
    }

    public void DrainAll()
    {
        foreach (var state in _endpoints.Values) state.Pool.Drain();
    }
}
