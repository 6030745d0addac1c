using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Tests.Telemetry;

/// <summary>Request counters: one entry per route and backend, whichever string instances name them (a reload compiles new ones).</summary>
public sealed class ProxyMetricsTests
{
    [Fact]
    public void For_EqualNamesFromAnotherSnapshot_SameCounters()
    {
        var metrics = new ProxyMetrics();
        var route = "httproute default/shop rule 0";
        var first = metrics.For(route, "default/shop:80");

        var second = metrics.For(new string(route.AsSpan()), new string("default/shop:80".AsSpan()));
        first.Request(200, 0.001);
        second.Request(200, 0.002);
        second.Request(503, 0.003);

        Assert.Same(first, second);
        Assert.Equal((2, 1, 3), (metrics.RequestCount(route, "default/shop:80", 200), metrics.RequestCount(route, "default/shop:80", 503), metrics.RequestsAnswered));
        var text = metrics.Render();
        Assert.Contains("switchyard_proxy_requests_total{route=\"httproute default/shop rule 0\",backend=\"default/shop:80\",code=\"200\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("switchyard_proxy_requests_total{route=\"httproute default/shop rule 0\",backend=\"default/shop:80\",code=\"503\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("switchyard_proxy_request_duration_seconds_count{route=\"httproute default/shop rule 0\"} 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void For_TwoBackendsOfOneRoute_OneLatencyHistogram()
    {
        var metrics = new ProxyMetrics();
        metrics.For("r", "a").Request(200, 0.001);
        metrics.For("r", "b").Request(200, 0.001);

        Assert.Contains("switchyard_proxy_request_duration_seconds_count{route=\"r\"} 2\n", metrics.Render(), StringComparison.Ordinal);
    }
}
