using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.LoadBalancing;

namespace Switchyard.Proxy.Resilience;

/// <summary>
/// Rule-level traffic shaping from an HTTPTrafficFilter named by an ExtensionRef filter. Authentication
/// (<see cref="Auth"/>) runs right after the route matched, before the rule's other filters; the rest after them and
/// before a backend is chosen, in this order: local rate limit (429), fault delay, fault abort. A filter reference
/// that cannot be resolved answers 500 where authentication would run (the Gateway API forbids skipping an unresolved
/// filter, and a filter that cannot be read may be the one that authenticates).
/// </summary>
internal sealed class RuleTraffic
{
    /// <summary>"httptrafficfilter default/chaos", named in errors.</summary>
    public required string Source { get; init; }

    /// <summary>Why the filter cannot apply ("httptrafficfilter default/x not found"); requests answer 500.</summary>
    public string? Error { get; init; }

    /// <summary>JWT and Basic authentication; null when the filter has neither.</summary>
    public RuleAuth? Auth { get; init; }

    /// <summary>Whether the request must pass <see cref="Auth"/>, or be refused because the filter cannot apply, before the rule's filters.</summary>
    public bool Authenticates => Error is not null || Auth is not null;

    public LocalRateLimit? RateLimit { get; init; }

    public FaultDelay? Delay { get; init; }

    public FaultAbort? Abort { get; init; }

    /// <summary>
    /// Whether a delay was injected, and the answer to give instead of forwarding (null refusal: the request goes on).
    /// <paramref name="requestToken"/> is cancelled by the route's request timeout (or the client going away): a delay
    /// it cuts short answers 504.
    /// </summary>
    public async ValueTask<(bool Delayed, TrafficRefusal? Refusal)> AdmitAsync(HttpContext context, IRandomSource random, TimeProvider time, CancellationToken requestToken)
    {
        if (Error is not null) return (false, new(500, Error, null, TrafficRefusalKind.Unresolved));
        if (RateLimit is { } limit && limit.TryAcquire() is { } retryAfter)
            return (false, new(429, $"{Source}: rate limited ({limit.Describe()})", limit.SendRetryAfter ? retryAfter : null, TrafficRefusalKind.RateLimited));
        var delayed = Delay is { } delay && Sampled(delay.Percentage, random);
        if (delayed)
        {
            try
            {
                await Task.Delay(Delay!.Duration, time, requestToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                return (true, new(504, $"{Source}: request timeout during fault delay", null, TrafficRefusalKind.TimedOut));
            }
        }
        if (Abort is { } abort && Sampled(abort.Percentage, random))
            return (delayed, new(abort.Status, $"{Source}: fault injected: abort {abort.Status}", null, TrafficRefusalKind.Aborted));
        return (delayed, null);
    }

    private static bool Sampled(int percentage, IRandomSource random) => percentage >= 100 || (percentage > 0 && random.Next(100) < percentage);
}

internal sealed record FaultDelay(TimeSpan Duration, int Percentage);

internal sealed record FaultAbort(int Status, int Percentage);

internal enum TrafficRefusalKind
{
    Unresolved,
    RateLimited,
    Aborted,

    /// <summary>The route's request timeout ended a fault delay.</summary>
    TimedOut,
}

/// <summary>The answer a refused request gets: status, the <c>x-switchyard-error</c> text, and Retry-After when known.</summary>
internal readonly record struct TrafficRefusal(int Status, string Error, TimeSpan? RetryAfter, TrafficRefusalKind Kind);

/// <summary>
/// A token bucket (System.Threading.RateLimiting) of <see cref="Burst"/> tokens refilled with <see cref="Requests"/>
/// tokens every <see cref="Unit"/>, one per route rule per proxy. Requests never wait for a token.
/// </summary>
internal sealed class LocalRateLimit : IDisposable
{
    private readonly TokenBucketRateLimiter _bucket;

    public LocalRateLimit(int requests, TimeSpan unit, int burst, bool sendRetryAfter, string unitName)
    {
        Requests = requests;
        Unit = unit;
        Burst = burst;
        SendRetryAfter = sendRetryAfter;
        UnitName = unitName;
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = requests,
            ReplenishmentPeriod = unit,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        _created = System.Diagnostics.Stopwatch.GetTimestamp(); // the bucket's refill timer starts now and fires every unit
    }

    private readonly long _created;

    public int Requests { get; }
    public TimeSpan Unit { get; }
    public int Burst { get; }
    public bool SendRetryAfter { get; }
    public string UnitName { get; }

    public string Describe() => $"{Requests} per {UnitName}, burst {Burst}";

    /// <summary>Null when a token was taken; otherwise how long until the next refill (at least one second).</summary>
    public TimeSpan? TryAcquire() => TryAcquire(System.Diagnostics.Stopwatch.GetElapsedTime(_created));

    /// <summary>
    /// <see cref="TryAcquire()"/> at <paramref name="sinceCreated"/> after the bucket was made: the bucket refills at
    /// every whole unit since then, so a refusal waits for the rest of the current unit (the limiter's own RetryAfter
    /// is always a whole unit: an hour for a per-hour limit, whenever in the hour it is asked).
    /// </summary>
    internal TimeSpan? TryAcquire(TimeSpan sinceCreated)
    {
        RateLimitLease lease;
        try
        {
            lease = _bucket.AttemptAcquire();
        }
        catch (ObjectDisposedException)
        {
            return null; // a request that raced a reconfiguration by more than the grace period: admitted
        }
        using (lease)
        {
            if (lease.IsAcquired) return null;
            var untilRefill = Unit - TimeSpan.FromTicks(sinceCreated.Ticks % Unit.Ticks);
            return untilRefill > TimeSpan.FromSeconds(1) ? untilRefill : TimeSpan.FromSeconds(1);
        }
    }

    public void Dispose() => _bucket.Dispose();
}
