using System.Net;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;

namespace Switchyard.Proxy.Tests.LoadBalancing;

public sealed class BalancerTests
{
    private static EndpointState[] Endpoints(int n) =>
        [.. Enumerable.Range(1, n).Select(i => new EndpointState(new IPEndPoint(IPAddress.Parse($"10.0.0.{i}"), 80), new ConnectionPool(new IPEndPoint(IPAddress.Loopback, 1), new ConnectionPoolOptions())))];

    private sealed class Sequence(params int[] values) : IRandomSource
    {
        private int _i;
        public int Next(int maxExclusive) => values[_i++ % values.Length] % maxExclusive;
    }

    private static HttpContext WithHeader(string name, string value)
    {
        var c = new DefaultHttpContext();
        c.Request.Headers[name] = value;
        return c;
    }

    [Fact]
    public void LeastRequest_TwoChoices_PicksFewerInFlight()
    {
        var endpoints = Endpoints(3);
        endpoints[0].Begin();
        endpoints[0].Begin();
        var picked = new LeastRequestBalancer(new Sequence(0, 1)).Pick(endpoints, new DefaultHttpContext(), 0, null);
        Assert.Same(endpoints[2], picked);
    }

    [Fact]
    public void RoundRobin_Ejected_IsSkipped()
    {
        var endpoints = Endpoints(3);
        endpoints[1].Eject(long.MaxValue);
        var rr = new RoundRobinBalancer();
        var picks = Enumerable.Range(0, 6).Select(_ => rr.Pick(endpoints, new DefaultHttpContext(), 0, null)!.Name).ToList();
        Assert.DoesNotContain("10.0.0.2:80", picks);
    }

    [Fact]
    public void RoundRobin_RetriesTakeNoTurn_FirstAttemptsStillAlternate()
    {
        // Of two endpoints one fails and every request that reaches it is retried on the other: the first attempts must
        // still alternate (a retry taking a turn would send every first attempt to the failing endpoint).
        var endpoints = Endpoints(2);
        var rr = new RoundRobinBalancer();
        var firsts = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var first = rr.Pick(endpoints, new DefaultHttpContext(), 0, null)!;
            firsts.Add(first.Name);
            if (first == endpoints[1]) Assert.Same(endpoints[0], rr.Pick(endpoints, new DefaultHttpContext(), 0, avoid: first));
        }
        Assert.Equal(10, firsts.Count(n => n == endpoints[1].Name));
    }

    [Fact]
    public void RoundRobin_OneOfFourUnusable_ItsTurnsSpreadEvenly()
    {
        // Its turns go round the usable endpoints, not all to its neighbour (which would then take twice the load).
        var endpoints = Endpoints(4);
        endpoints[1].Eject(long.MaxValue);
        var rr = new RoundRobinBalancer();
        var counts = Enumerable.Range(0, 300).Select(_ => rr.Pick(endpoints, new DefaultHttpContext(), 0, null)!.Name).CountBy(n => n).ToDictionary();
        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.Equal(100, c));
    }

    [Fact]
    public void Random_OneOfFourUnusable_ItsShareSpreadOverTheOthers()
    {
        var endpoints = Endpoints(4);
        endpoints[1].Eject(long.MaxValue);
        var random = new RandomBalancer(new SeededRandom(7));
        var counts = Enumerable.Range(0, 3000).Select(_ => random.Pick(endpoints, new DefaultHttpContext(), 0, null)!.Name).CountBy(n => n).ToDictionary();
        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 850, 1150)); // about 1000 each; the neighbour alone would get about 1500
    }

    [Theory]
    [InlineData("ring-hash")]
    [InlineData("maglev")]
    public void ConsistentHash_OwnerUnusable_ItsKeysSpreadOverTheOthers_EachKeyStable(string policy)
    {
        var endpoints = Endpoints(6);
        var key = new HashKey(HashKeySource.Header, "x-user");
        ILoadBalancer balancer = policy == "maglev" ? new MaglevBalancer(endpoints, key, new Sequence(0)) : new RingHashBalancer(endpoints, key, new Sequence(0));
        var before = Enumerable.Range(0, 3000).Select(i => balancer.Pick(endpoints, WithHeader("x-user", $"user-{i}"), 0, null)!).ToList();
        endpoints[2].Eject(long.MaxValue);
        var moved = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var ctx = WithHeader("x-user", $"user-{i}");
            var now = balancer.Pick(endpoints, ctx, 0, null)!;
            Assert.Same(now, balancer.Pick(endpoints, ctx, 0, null));
            if (ReferenceEquals(before[i], endpoints[2])) moved.Add(now.Name);
            else Assert.Same(before[i], now); // the other keys stay where they were
        }
        var counts = moved.CountBy(n => n).ToDictionary();
        Assert.Equal(5, counts.Count);
        Assert.True(counts.Values.Max() < moved.Count / 2, $"the unusable endpoint's {moved.Count} keys went {string.Join(", ", counts)}");
    }

    private sealed class SeededRandom(int seed) : IRandomSource
    {
        private readonly Random _random = new(seed);
        public int Next(int maxExclusive) => _random.Next(maxExclusive);
    }

    [Theory]
    [InlineData("ring-hash")]
    [InlineData("maglev")]
    public void ConsistentHash_SameKey_SameEndpoint_AndFewMovesWhenOneLeaves(string policy)
    {
        var endpoints = Endpoints(5);
        ILoadBalancer Make(EndpointState[] e) => policy == "maglev"
            ? new MaglevBalancer(e, new HashKey(HashKeySource.Header, "x-user"), new Sequence(0))
            : new RingHashBalancer(e, new HashKey(HashKeySource.Header, "x-user"), new Sequence(0));
        var full = Make(endpoints);
        var fewer = Make(endpoints[..4]);
        var moved = 0;
        for (var i = 0; i < 500; i++)
        {
            var ctx = WithHeader("x-user", $"user-{i}");
            var a = full.Pick(endpoints, ctx, 0, null)!;
            Assert.Same(a, full.Pick(endpoints, ctx, 0, null));
            var b = fewer.Pick(endpoints[..4], ctx, 0, null)!;
            if (!ReferenceEquals(a, b)) moved++;
        }
        // only keys owned by the removed endpoint (about a fifth) should move
        Assert.InRange(moved, 40, 170);
    }

    [Fact]
    public void Backend_MaxEjectionPercent_KeepsHalfInRotation()
    {
        var endpoints = Endpoints(2);
        var backend = new Switchyard.Proxy.Backends.Backend { Name = "b", Endpoints = endpoints, Balancer = new RoundRobinBalancer() };
        Assert.True(backend.TryEject(endpoints[0], TimeProvider.System));
        Assert.False(backend.TryEject(endpoints[1], TimeProvider.System));
    }

    [Fact]
    public void HashedHeader_OnlyHeaderKeysName_ThroughTheStickyCookieToo()
    {
        // The request handler leaves the forwarding fields in the header dictionary for a balancer that hashes one of them.
        var endpoints = Endpoints(2);
        var header = new HashKey(HashKeySource.Header, "X-Forwarded-For");
        ILoadBalancer ring = new RingHashBalancer(endpoints, header, new Sequence(0));
        ILoadBalancer maglev = new MaglevBalancer(endpoints, header, new Sequence(0));
        Assert.Equal("X-Forwarded-For", ring.HashedHeader);
        Assert.Equal("X-Forwarded-For", maglev.HashedHeader);
        Assert.Equal("X-Forwarded-For", new StickyCookieBalancer(ring, new StickyCookie("sy", null), endpoints).HashedHeader);
        Assert.Null(((ILoadBalancer)new RingHashBalancer(endpoints, new HashKey(HashKeySource.Cookie, "X-Forwarded-For"), new Sequence(0))).HashedHeader);
        Assert.Null(((ILoadBalancer)new MaglevBalancer(endpoints, HashKey.SourceIp, new Sequence(0))).HashedHeader);
        Assert.Null(((ILoadBalancer)new LeastRequestBalancer(new Sequence(0))).HashedHeader);
    }
}
