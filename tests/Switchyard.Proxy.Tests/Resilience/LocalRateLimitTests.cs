using Switchyard.Proxy.Resilience;

namespace Switchyard.Proxy.Tests.Resilience;

/// <summary>The Retry-After of a refused request is the time left until the bucket's next refill, not a whole unit.</summary>
public sealed class LocalRateLimitTests
{
    [Theory]
    [InlineData(45, 15)]
    [InlineData(0.5, 59.5)]
    [InlineData(59.5, 1)] // at least a second
    [InlineData(125, 55)] // in the third unit
    public void Refused_RetryAfterIsTheRestOfTheUnit(double secondsSinceCreated, double expectedSeconds)
    {
        using var limit = new LocalRateLimit(1, TimeSpan.FromMinutes(1), 1, sendRetryAfter: true, "minute");
        Assert.Null(limit.TryAcquire(TimeSpan.Zero)); // the one token
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), limit.TryAcquire(TimeSpan.FromSeconds(secondsSinceCreated)));
    }
}
