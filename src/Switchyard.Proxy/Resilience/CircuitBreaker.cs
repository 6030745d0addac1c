using System.Threading.RateLimiting;

namespace Switchyard.Proxy.Resilience;

/// <summary>
/// Circuit-breaker limits of one backend (Envoy's cluster circuit breakers), from Service annotations. Null means
/// no limit; a backend without any limit gets no <see cref="CircuitBreaker"/> and pays nothing per request.
/// </summary>
internal sealed record CircuitBreakerLimits
{
    /// <summary>Upstream connections in use at once (HTTP/1.1: one per attempt in flight). Null (default): no limit.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Attempts waiting for a connection when <see cref="MaxConnections"/> are in use. Default 1024 (Envoy's).</summary>
    public int MaxPendingRequests { get; init; } = DefaultMaxPendingRequests;

    /// <summary>Requests to the backend at once, waiting or in flight. Null (default): no limit.</summary>
    public int? MaxRequests { get; init; }

    /// <summary>Retries to the backend in flight at once (on top of the proxy's retry budget). Null (default): no limit.</summary>
    public int? MaxRetries { get; init; }

    public const int DefaultMaxPendingRequests = 1024;

    public bool Any => MaxConnections is not null || MaxRequests is not null || MaxRetries is not null;
}

/// <summary>
/// The live counters of one backend's <see cref="CircuitBreakerLimits"/>. Over a limit the request is not queued
/// further: the caller answers 503 naming the limit. Connections are a <see cref="ConcurrencyLimiter"/> whose queue
/// is the pending-requests limit. Kept across snapshots while the backend and its limits stay the same.
/// </summary>
internal sealed class CircuitBreaker
{
    private readonly ConcurrencyLimiter? _connections;
    private int _requests;
    private int _retries;

    public CircuitBreaker(CircuitBreakerLimits limits)
    {
        Limits = limits;
        if (limits.MaxConnections is { } max)
        {
            _connections = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = max,
                QueueLimit = limits.MaxPendingRequests,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
        }
    }

    public CircuitBreakerLimits Limits { get; }

    /// <summary>Admits one request, or returns the limit that refused it ("max requests 10").</summary>
    public string? TryEnterRequest() => TryEnter(ref _requests, Limits.MaxRequests, "max requests");

    public void ExitRequest() => Exit(ref _requests, Limits.MaxRequests);

    /// <summary>
    /// A connection slot for one attempt, waiting in the pending queue when all are in use. Null lease: no connection
    /// limit. Not acquired: the pending queue is full (the refusal says which limit).
    /// </summary>
    public async ValueTask<(RateLimitLease? Lease, string? Refusal)> AcquireConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connections is null) return (null, null);
        var lease = _connections.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            lease = await _connections.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        }
        if (lease.IsAcquired) return (lease, null);
        lease.Dispose();
        return (null, $"max pending requests {Limits.MaxPendingRequests} (max connections {Limits.MaxConnections})");
    }

    /// <summary>
    /// A connection slot now or none, for what cannot wait in the pending queue (a UDP session's first datagram). Null
    /// lease and null refusal: no connection limit.
    /// </summary>
    public (RateLimitLease? Lease, string? Refusal) TryAcquireConnection()
    {
        if (_connections is null) return (null, null);
        var lease = _connections.AttemptAcquire();
        if (lease.IsAcquired) return (lease, null);
        lease.Dispose();
        return (null, $"max connections {Limits.MaxConnections}");
    }

    /// <summary>Admits one retry, or returns the limit that refused it.</summary>
    public string? TryEnterRetry() => TryEnter(ref _retries, Limits.MaxRetries, "max retries");

    public void ExitRetry() => Exit(ref _retries, Limits.MaxRetries);

    private static string? TryEnter(ref int count, int? limit, string name)
    {
        if (limit is not { } max) return null;
        if (Interlocked.Increment(ref count) <= max) return null;
        Interlocked.Decrement(ref count);
        return $"{name} {max}";
    }

    private static void Exit(ref int count, int? limit)
    {
        if (limit is not null) Interlocked.Decrement(ref count);
    }
}
