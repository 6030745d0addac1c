using System.Net;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.ProxyProtocol;

namespace Switchyard.Proxy.Endpoints;

/// <summary>
/// Endpoint layer: one upstream address of one backend (a Service port) and its live state (requests in flight,
/// passive and active health, ejection), with the connection pool of the address. Lives across snapshots in the
/// <see cref="EndpointRegistry"/> so a config swap keeps health and pooled connections. Two Services selecting the same
/// pods have an endpoint each for an address: one Service's health checks and outlier settings never take the
/// address out of the other's rotation (as Envoy keeps outlier state per cluster). They share its pool.
/// </summary>
internal sealed class EndpointState
{
    private int _inFlight;
    private int _consecutive5xx;
    private int _consecutiveConnectFailures;
    private long _ejectedUntilTicks;
    private int _ejections;
    private volatile bool _failingActiveChecks;
    private volatile string? _lastHealthCheckFailure;

    /// <param name="backend">The backend (<c>namespace/name:port</c> of a Service) this is an endpoint of; empty in tests of one backend.</param>
    public EndpointState(IPEndPoint address, ConnectionPool pool, string backend = "")
    {
        Address = address;
        Pool = pool;
        Backend = backend;
        // The same address reached over TLS (or under other TLS settings) is another endpoint: its own metrics and health.
        Name = (pool.Tls is { } tls ? $"{address} tls:{tls.Key[..8]}" : address.ToString())
            + pool.ProxyProtocol switch { ProxyProtocolVersion.V1 => " proxy-v1", ProxyProtocolVersion.V2 => " proxy-v2", _ => "" };
    }

    public IPEndPoint Address { get; }

    /// <summary>"10.0.0.5:8080", or "10.0.0.5:8443 tls:1a2b3c4d" under a BackendTLSPolicy: for logs and metric labels.</summary>
    public string Name { get; }

    public ConnectionPool Pool { get; }

    /// <summary>The backend this is an endpoint of: with <see cref="Name"/>, what metric labels and /config name it by.</summary>
    public string Backend { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Set while active health checks fail (<see cref="ActiveHealthChecker"/>); such an endpoint gets no new requests.</summary>
    public bool FailingActiveChecks => _failingActiveChecks;

    /// <summary>The last failed health check ("GET /healthz answered 500, expected 200-399"), for /config.</summary>
    public string? LastHealthCheckFailure => _lastHealthCheckFailure;

    public void SetFailingActiveChecks(bool failing, string? lastFailure)
    {
        _lastHealthCheckFailure = lastFailure;
        _failingActiveChecks = failing;
    }

    public void Begin() => Interlocked.Increment(ref _inFlight);

    public void End() => Interlocked.Decrement(ref _inFlight);

    public bool IsEjected(long nowTicks) => Volatile.Read(ref _ejectedUntilTicks) > nowTicks;

    /// <summary>
    /// Ejections that lengthen the next one: forgotten once the endpoint has stayed in rotation for
    /// <paramref name="quietTicks"/> since its last ejection ended (Envoy decays its ejection multiplier the same way).
    /// </summary>
    public int RecentEjections(long nowTicks, long quietTicks)
    {
        var until = Volatile.Read(ref _ejectedUntilTicks);
        if (until != 0 && nowTicks - until >= quietTicks) Volatile.Write(ref _ejections, 0);
        return Volatile.Read(ref _ejections);
    }

    public void RecordSuccess()
    {
        if (Volatile.Read(ref _consecutive5xx) != 0) Volatile.Write(ref _consecutive5xx, 0);
        if (Volatile.Read(ref _consecutiveConnectFailures) != 0) Volatile.Write(ref _consecutiveConnectFailures, 0);
    }

    /// <summary>A connection (or a UDP answer) got through: connect failures start counting again; the 5xx count is the HTTP answers' own.</summary>
    public void ResetConnectFailures()
    {
        if (Volatile.Read(ref _consecutiveConnectFailures) != 0) Volatile.Write(ref _consecutiveConnectFailures, 0);
    }

    public int Record5xx() => Interlocked.Increment(ref _consecutive5xx);

    public int RecordConnectFailure() => Interlocked.Increment(ref _consecutiveConnectFailures);

    /// <summary>Ejects until <paramref name="untilTicks"/>; counters restart so a returning endpoint gets a fresh chance.</summary>
    public int Eject(long untilTicks)
    {
        Volatile.Write(ref _ejectedUntilTicks, untilTicks);
        Volatile.Write(ref _consecutive5xx, 0);
        Volatile.Write(ref _consecutiveConnectFailures, 0);
        return Interlocked.Increment(ref _ejections);
    }
}
