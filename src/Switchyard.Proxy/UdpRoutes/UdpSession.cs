using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.UdpRoutes;

/// <summary>
/// Endpoint layer of a UDP listener, for one client (source address and port): a socket connected to the endpoint
/// chosen when the client's first datagram came, which carries the client's datagrams there and whose replies go back
/// to the client from the listener's socket. A connected socket takes datagrams from its endpoint only, so a reply
/// cannot reach the wrong client. The session ends once (<see cref="TryEnd"/>): idle, its endpoint left the route, or
/// the listener stopped, or the endpoint refused a datagram.
/// </summary>
/// <param name="address">The client's address as the socket reports it: the sessions' key, and where answers go.</param>
/// <param name="counters">The route's datagram and byte counters, looked up once for the session.</param>
/// <param name="slot">The backend's connection slot (its circuit breaker's max connections) the session holds; null: no limit.</param>
internal sealed class UdpSession(SocketAddress address, IPEndPoint client, string route, Backend backend, EndpointState endpoint, Socket upstream, long started,
    ProxyMetrics.UdpCounters counters, RateLimitLease? slot)
{
    private readonly CancellationTokenSource _stop = new();
    private int _ended;
    private long _lastActive = started;

    public SocketAddress Address => address;
    public IPEndPoint Client => client;
    public string Route => route;
    public Backend Backend => backend;
    public EndpointState Endpoint => endpoint;
    public Socket Upstream => upstream;
    public ProxyMetrics.UdpCounters Counters => counters;
    public long Started { get; } = started;

    /// <summary>Cancelled when the session ends: stops the relay of the endpoint's replies (never disposed: it has no timer).</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>The timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last datagram either way.</summary>
    public long LastActive => Volatile.Read(ref _lastActive);

    /// <summary>Bytes received from the client and delivered to the endpoint, and bytes sent to the client.</summary>
    public long Received, Sent;

    public bool Ended => Volatile.Read(ref _ended) != 0;

    public void Touch(long now) => Volatile.Write(ref _lastActive, now);

    /// <summary>True for the one caller that ends the session; it then cancels <see cref="Stopping"/> and closes the socket.</summary>
    public bool TryEnd()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0) return false;
        _stop.Cancel();
        upstream.Dispose();
        slot?.Dispose();
        return true;
    }
}
