using Switchyard.Proxy.Tests.Support;
using static Switchyard.Proxy.Tests.Resilience.ResilienceTests;

namespace Switchyard.Proxy.Tests.Resilience;

/// <summary>Per-backend circuit breaking (max requests, connections with a pending queue, retries) against stalled and refusing backends.</summary>
public sealed class CircuitBreakerTests
{
    private const string Route = "    - backendRefs: [{name: svc, port: 80}]";
    private const string Backend = "default/svc:80";

    private static Task<HttpResponseMessage> Send(HttpClient client, GatewayProxy proxy, CancellationToken cancel = default) =>
        client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"), cancel);

    [Fact]
    public async Task MaxRequests_OneInFlight_SecondAnswers503WithReason()
    {
        await using var stalled = await EchoBackend.StartAsync("stalled");
        stalled.Stall = true;
        var log = new SharedLog();
        var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", "{lb.switchyard.dev/max-requests: \"1\"}", stalled.Port), new ProxyOptions { AccessLog = log.Writer });
        try
        {
            using var client = Manifests.Client();
            using var cancelFirst = new CancellationTokenSource();
            var first = Send(client, proxy, cancelFirst.Token);
            await Wait.UntilAsync(() => stalled.Requests == 1, "first request at the backend");
            using (var second = await Send(client, proxy))
            {
                Assert.Equal(503, (int)second.StatusCode);
                Assert.Equal("route httproute default/r rule 0: backend default/svc:80: circuit open: max requests 1", second.Headers.GetValues("x-switchyard-error").Single());
            }
            Assert.Equal(1, proxy.Runtime.Metrics.CircuitOpenCount(Backend, "requests"));
            Assert.Equal(1, stalled.Requests);
            await cancelFirst.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
            await Wait.UntilAsync(() => proxy.Runtime.Metrics.RequestsAnswered == 2, "the cancelled request finished in the proxy");
            stalled.Stall = false;
            using var third = await Send(client, proxy);
            Assert.Equal(200, (int)third.StatusCode);
        }
        finally
        {
            await proxy.DisposeAsync();
        }
        Assert.Contains("\"error\":\"route httproute default/r rule 0: backend default/svc:80: circuit open: max requests 1\"", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxConnections_PendingQueueFull_Answers503ThenQueuedRequestProceeds()
    {
        await using var stalled = await EchoBackend.StartAsync("stalled");
        stalled.Stall = true;
        var annotations = "{lb.switchyard.dev/max-connections: \"1\", lb.switchyard.dev/max-pending-requests: \"1\"}";
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", annotations, stalled.Port));
        using var client = Manifests.Client();
        using var cancelFirst = new CancellationTokenSource();
        var first = Send(client, proxy, cancelFirst.Token);
        await Wait.UntilAsync(() => stalled.Requests == 1, "first request at the backend");
        var b = Send(client, proxy);
        var c = Send(client, proxy);
        var refusedTask = await Task.WhenAny(b, c);
        using var refused = await refusedTask;
        Assert.Equal(503, (int)refused.StatusCode);
        Assert.Equal("route httproute default/r rule 0: backend default/svc:80: circuit open: max pending requests 1 (max connections 1)",
            refused.Headers.GetValues("x-switchyard-error").Single());
        Assert.Equal(1, stalled.Requests);

        stalled.Stall = false;
        await cancelFirst.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        using var queued = await (ReferenceEquals(refusedTask, b) ? c : b);
        Assert.Equal(200, (int)queued.StatusCode);
        Assert.Equal(2, stalled.Requests);
        Assert.Equal(1, proxy.Runtime.Metrics.CircuitOpenCount(Backend, "pending"));
    }

    [Fact]
    public async Task MaxRetriesZero_ConnectFailure_NotRetried()
    {
        await using var good = await EchoBackend.StartAsync("good");
        var annotations = "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/max-retries: \"0\"}";
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", annotations, Ports.Closed(), good.Port));
        using var client = Manifests.Client();
        var statuses = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await Send(client, proxy);
            statuses.Add((int)response.StatusCode);
        }
        Assert.Equal([200, 503], statuses.Order());
        Assert.Equal(1, proxy.Runtime.Metrics.CircuitOpenCount(Backend, "retries"));
        Assert.Equal(0, proxy.Runtime.Metrics.Retries);
    }
}
