using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Telemetry;

/// <summary>
/// W3C Trace Context at the gateway: a trace the proxy restarts (no traceparent, or an invalid one) drops the caller's
/// tracestate (§4.3), a continued one keeps it; a request the gateway answers itself is logged with the caller's trace id.
/// </summary>
public sealed class TraceContextTests
{
    private const string Valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Theory]
    [InlineData(Valid, true)]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01", false)] // an all-zero trace id is invalid
    [InlineData("garbage", false)]
    [InlineData(null, false)]
    public async Task TraceState_KeptOnlyWhenTheTraceContinues(string? traceparent, bool kept)
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("echo") + Manifests.Service("echo", backend.Port));
        using var client = Manifests.Client();
        var headers = new List<(string, string)> { ("tracestate", "vendor=abc") };
        if (traceparent is not null) headers.Add(("traceparent", traceparent));

        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/", [.. headers]));

        Assert.Equal(kept, response.Headers.Contains("x-echo-h-tracestate"));
        var sent = response.Headers.GetValues("x-echo-h-traceparent").Single();
        Assert.Equal(kept, sent.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnsweredBeforeForwarding_LoggedWithTheCallersTraceId()
    {
        var log = new SharedLog();
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - matches: [{path: {value: /missing}}]
                  backendRefs: [{name: nosuch, port: 80}]
            """), new ProxyOptions { AccessLog = log.Writer });
        using var client = Manifests.Client();

        using (var notFound = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/elsewhere", ("traceparent", Valid))))
            Assert.Equal(404, (int)notFound.StatusCode);
        using (var broken = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/missing", ("traceparent", Valid))))
            Assert.Equal(500, (int)broken.StatusCode);

        await Wait.UntilAsync(() => log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2, "two access log lines");
        Assert.All(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.Contains("\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\"", line, StringComparison.Ordinal));
    }
}
