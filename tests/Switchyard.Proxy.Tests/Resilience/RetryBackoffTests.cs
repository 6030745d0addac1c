using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Tests.Resilience;

/// <summary>
/// HTTPRoute <c>retry.backoff</c> is the minimum wait between attempts (Gateway API: jitter may not retry sooner):
/// doubled per retry up to ten times the value, plus up to half of that at random.
/// </summary>
public sealed class RetryBackoffTests
{
    private sealed class Fixed(int value) : IRandomSource
    {
        public int Next(int maxExclusive) => Math.Min(value, maxExclusive - 1);
    }

    [Theory]
    [InlineData(1, 0, 1000)]
    [InlineData(1, 500, 1500)]
    [InlineData(2, 0, 2000)]
    [InlineData(3, 250, 5000)]
    [InlineData(4, 0, 8000)]
    [InlineData(5, 0, 10_000)] // capped at ten times the value
    [InlineData(30, 500, 15_000)]
    public void Backoff_NeverBelowTheConfiguredMinimum(int retry, int random, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), RequestHandler.Backoff(TimeSpan.FromSeconds(1), retry, new Fixed(random)));

    [Fact]
    public void Backoff_None_NoWait() => Assert.Equal(TimeSpan.Zero, RequestHandler.Backoff(TimeSpan.Zero, 1, new Fixed(500)));
}
