using System.Net;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;

namespace Switchyard.Proxy.Tests.Endpoints;

/// <summary>Ejection time back-off (base × ejections, capped) and its reset after a quiet period, on a fake clock.</summary>
public sealed class OutlierEjectionTests
{
    private readonly FakeTimeProvider _time = new();

    private static EndpointState Endpoint(int port) => new(new IPEndPoint(IPAddress.Loopback, port), new ConnectionPool(new IPEndPoint(IPAddress.Loopback, port), new ConnectionPoolOptions()));

    private static Backend Backend(params EndpointState[] endpoints) => new()
    {
        Name = "default/svc:80", Endpoints = endpoints, Balancer = new RoundRobinBalancer(),
        Outlier = new OutlierDetection { BaseEjectionTime = TimeSpan.FromSeconds(30), MaxEjectionTime = TimeSpan.FromSeconds(300), MaxEjectionPercent = 100 },
    };

    /// <summary>How long <paramref name="endpoint"/> stays ejected from now, in whole seconds (probing second by second).</summary>
    private int EjectedSeconds(EndpointState endpoint)
    {
        var start = _time.GetTimestamp();
        var seconds = 0;
        while (endpoint.IsEjected(start + (long)(seconds * _time.TimestampFrequency))) seconds++;
        return seconds;
    }

    [Fact]
    public void RecordConnectFailure_EjectsAtTheFifthInARow_AResetStartsTheCountAgain()
    {
        var e = Endpoint(1);
        var backend = Backend(e, Endpoint(2));
        for (var i = 0; i < 4; i++) Assert.False(backend.RecordConnectFailure(e, _time));
        e.ResetConnectFailures(); // an answer came through
        for (var i = 0; i < 4; i++) Assert.False(backend.RecordConnectFailure(e, _time));
        Assert.False(e.IsEjected(_time.GetTimestamp()));
        Assert.True(backend.RecordConnectFailure(e, _time));
        Assert.True(e.IsEjected(_time.GetTimestamp()));
    }

    [Fact]
    public void Record5xx_Off_NeverEjects()
    {
        var e = Endpoint(1);
        var off = new Backend { Name = "default/svc:80", Endpoints = [e, Endpoint(2)], Balancer = new RoundRobinBalancer(), Outlier = new OutlierDetection { Consecutive5xx = 0 } };
        for (var i = 0; i < 20; i++) Assert.False(off.Record5xx(e, _time));
        Assert.False(e.IsEjected(_time.GetTimestamp()));
    }

    [Fact]
    public void TryEject_Repeated_BackOffGrowsThenCaps()
    {
        var e = Endpoint(1);
        var backend = Backend(e);
        var lengths = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            Assert.True(backend.TryEject(e, _time));
            var length = EjectedSeconds(e);
            lengths.Add(length);
            _time.Advance(TimeSpan.FromSeconds(length + 1));
        }
        Assert.Equal([30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300], lengths);
    }

    [Fact]
    public void TryEject_AfterQuietPeriod_StartsAgainFromBase()
    {
        var e = Endpoint(1);
        var backend = Backend(e);
        backend.TryEject(e, _time);
        _time.Advance(TimeSpan.FromSeconds(31));
        backend.TryEject(e, _time);
        Assert.Equal(60, EjectedSeconds(e));
        _time.Advance(TimeSpan.FromSeconds(60 + 300));
        backend.TryEject(e, _time);
        Assert.Equal(30, EjectedSeconds(e));
    }
}
