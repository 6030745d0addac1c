namespace Switchyard.Proxy.Resilience;

/// <summary>
/// When an attempt may be repeated. By default a request is retried once, on another endpoint, after a connect
/// failure (always safe) or a reset before any response byte (idempotent methods without a body only).
/// HTTPRoute <c>retry</c> adds attempts, status codes and a back-off. Every retry needs a token from the
/// <see cref="RetryBudget"/>, so retries cannot multiply load during an outage.
/// </summary>
internal sealed record RetryPolicy
{
    /// <summary>Retries after the first attempt. Default 1.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Response statuses that are retried (idempotent methods only). Default none.</summary>
    public IReadOnlySet<int> Codes { get; init; } = new HashSet<int>();

    /// <summary>
    /// The minimum back-off: retry n waits base × 2^(n-1), at most 10 × base, plus up to half of that at random
    /// (<see cref="Pipeline.RequestHandler.Backoff"/>). Default 25ms.
    /// </summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(25);

    public static readonly RetryPolicy Default = new();

    public static readonly RetryPolicy None = new() { Attempts = 0 };

    public static bool IsIdempotent(string method) =>
        method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE";
}
