using System.Collections.Concurrent;
using System.Net;

namespace Switchyard.Proxy.NodeProxy;

/// <summary>
/// The endpoint layer: orders a service port's endpoints for one new connection. Round robin over
/// the current endpoints; with ClientIP session affinity, a client's previous endpoint comes first
/// while it is still an endpoint and the affinity has not timed out (each use renews it). The other
/// endpoints follow, so a failed connect moves on to the next one.
/// </summary>
internal sealed class EndpointPicker(TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, (IPEndPoint Endpoint, DateTimeOffset Expires)> _affinity = new();
    private int _next = -1;

    public IReadOnlyList<IPEndPoint> Order(ServicePortTarget target, IPAddress? client, int max)
    {
        var endpoints = target.Endpoints;
        if (endpoints.Count == 0) return [];
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)endpoints.Count);
        var order = new List<IPEndPoint>(Math.Min(max, endpoints.Count));
        if (target.AffinityTimeout is not null && client is not null
            && _affinity.TryGetValue(client, out var sticky) && sticky.Expires > time.GetUtcNow() && endpoints.Contains(sticky.Endpoint))
        {
            order.Add(sticky.Endpoint);
        }
        for (var i = 0; i < endpoints.Count && order.Count < max; i++)
        {
            var candidate = endpoints[(start + i) % endpoints.Count];
            if (!order.Contains(candidate)) order.Add(candidate);
        }
        return order;
    }

    /// <summary>Records which endpoint served a client (only with session affinity).</summary>
    public void Connected(ServicePortTarget target, IPAddress? client, IPEndPoint endpoint)
    {
        if (target.AffinityTimeout is not { } timeout || client is null) return;
        _affinity[client] = (endpoint, time.GetUtcNow() + timeout);
        if (_affinity.Count > 10_000) Prune();
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (client, entry) in _affinity)
        {
            if (entry.Expires <= now) _affinity.TryRemove(client, out _);
        }
    }
}
