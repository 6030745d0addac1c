using System.Net;
using System.Net.Sockets;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Resilience;

/// <summary>Backends that fail, stall, reset or refuse: retries, timeouts and passive outlier ejection over real sockets.</summary>
public sealed class ResilienceTests
{
    internal static string Gateway(string rules) => GatewayYaml.Route(rules);

    private const string Annotations = "{lb.switchyard.dev/policy: round-robin}";

    /// <summary>Accepts connections and closes them at once (a reset before any response).</summary>
    private static (TcpListener Listener, Task Loop) Resetter()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var loop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var c = await l.AcceptSocketAsync();
                    var buf = new byte[4096];
                    await c.ReceiveAsync(buf, SocketFlags.None);
                    c.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception)
            {
            }
        });
        return (l, loop);
    }

    [Fact]
    public async Task ConnectFailure_Get_RetriedOnAnotherEndpoint()
    {
        await using var good = await EchoBackend.StartAsync("good");
        var yaml = Gateway("    - backendRefs: [{name: svc, port: 80}]") + Manifests.Service("svc", "default", Annotations, Ports.Closed(), good.Port);
        await using var proxy = await Manifests.StartAsync(yaml);
        using var client = Manifests.Client();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            Assert.Equal(200, (int)response.StatusCode);
        }
        Assert.True(proxy.Runtime.Metrics.Retries >= 1);
    }

    [Fact]
    public async Task ResetBeforeResponse_Post_NotRetriedAnswers502()
    {
        var (listener, loop) = Resetter();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            await using var proxy = await Manifests.StartAsync(Gateway("    - backendRefs: [{name: svc, port: 80}]") + Manifests.Service("svc", port));
            using var client = Manifests.Client();
            using var post = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "POST", "/"));
            Assert.Equal(502, (int)post.StatusCode);
            Assert.Contains("upstream reset before responding", post.Headers.GetValues("x-switchyard-error").Single(), StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
            await loop;
        }
    }

    [Fact]
    public async Task ResetBeforeResponse_Get_RetriedToHealthyEndpoint()
    {
        var (listener, loop) = Resetter();
        await using var good = await EchoBackend.StartAsync("good");
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            await using var proxy = await Manifests.StartAsync(Gateway("    - backendRefs: [{name: svc, port: 80}]") + Manifests.Service("svc", "default", Annotations, port, good.Port));
            using var client = Manifests.Client();
            for (var i = 0; i < 4; i++)
            {
                using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
                Assert.Equal(200, (int)response.StatusCode);
            }
        }
        finally
        {
            listener.Stop();
            await loop;
        }
    }

    [Fact]
    public async Task StalledBackend_RequestTimeout_Answers504()
    {
        await using var stalled = await EchoBackend.StartAsync("stalled");
        stalled.Stall = true;
        await using var proxy = await Manifests.StartAsync(Gateway("    - {timeouts: {request: 300ms}, backendRefs: [{name: svc, port: 80}]}") + Manifests.Service("svc", stalled.Port));
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        Assert.Equal(504, (int)response.StatusCode);
        Assert.EndsWith("request timeout", response.Headers.GetValues("x-switchyard-error").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetryOnStatus_FirstEndpointFails_SecondAnswers()
    {
        await using var bad = await EchoBackend.StartAsync("bad");
        bad.Status = 503;
        await using var good = await EchoBackend.StartAsync("good");
        var rules = "    - {retry: {attempts: 2, codes: [503], backoff: 1ms}, backendRefs: [{name: svc, port: 80}]}";
        await using var proxy = await Manifests.StartAsync(Gateway(rules) + Manifests.Service("svc", "default", Annotations, bad.Port, good.Port));
        using var client = Manifests.Client();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            Assert.Equal("good", response.Headers.GetValues("x-backend").Single());
        }
    }

    [Fact]
    public async Task Consecutive5xx_Endpoint_IsEjected()
    {
        await using var bad = await EchoBackend.StartAsync("bad");
        bad.Status = 500;
        await using var good = await EchoBackend.StartAsync("good");
        var annotations = "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/outlier-consecutive-5xx: \"3\"}";
        await using var proxy = await Manifests.StartAsync(Gateway("    - backendRefs: [{name: svc, port: 80}]") + Manifests.Service("svc", "default", annotations, bad.Port, good.Port));
        using var client = Manifests.Client();
        for (var i = 0; i < 10; i++)
        {
            using var _ = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        }
        var before = bad.Requests;
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            Assert.Equal(200, (int)response.StatusCode);
        }
        Assert.Equal(3, before);
        Assert.Equal(3, bad.Requests);
        Assert.Equal(1, proxy.Runtime.Metrics.Ejections);
    }

    [Fact]
    public async Task NoReadyEndpoints_Request_Answers503()
    {
        var yaml = Gateway("    - backendRefs: [{name: svc, port: 80}]") + """
            apiVersion: v1
            kind: Service
            metadata: {name: svc, namespace: default}
            spec: {ports: [{name: http, port: 80}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: svc-1, namespace: default, labels: {kubernetes.io/service-name: svc}}
            addressType: IPv4
            ports: [{name: http, port: 9}]
            endpoints:
              - {addresses: ["127.0.0.1"], conditions: {ready: false}}
              - {addresses: ["127.0.0.2"], conditions: {ready: true, terminating: true}}

            """;
        await using var proxy = await Manifests.StartAsync(yaml);
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("route httproute default/r rule 0: backend default/svc:80: no ready endpoints", response.Headers.GetValues("x-switchyard-error").Single());
    }

    [Fact]
    public async Task PerTryTimeout_StalledEndpoint_GetRetriedOnAnother()
    {
        await using var stalled = await EchoBackend.StartAsync("stalled");
        stalled.Stall = true;
        await using var good = await EchoBackend.StartAsync("good");
        // 2 s: long enough for the good endpoint to answer on a loaded machine (a slow good answer would be retried
        // onto the stalled one); the stalled endpoint never answers, so only its picks wait that long.
        var rules = "    - {timeouts: {backendRequest: 2s}, backendRefs: [{name: svc, port: 80}]}";
        await using var proxy = await Manifests.StartAsync(Gateway(rules) + Manifests.Service("svc", "default", Annotations, stalled.Port, good.Port));
        using var client = Manifests.Client();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            Assert.Equal("good", response.Headers.GetValues("x-backend").Single());
        }
        Assert.True(proxy.Runtime.Metrics.Retries >= 1);
        Assert.Equal(4, good.Requests);
    }

    [Fact]
    public async Task ClientGoneDuringARetryBackoff_Logged499NotATimeout()
    {
        await using var failing = await EchoBackend.StartAsync("failing");
        failing.Status = 503;
        var log = new SharedLog();
        var rules = "    - {retry: {attempts: 3, codes: [503], backoff: 10s}, backendRefs: [{name: svc, port: 80}]}";
        await using var proxy = await Manifests.StartAsync(Gateway(rules) + Manifests.Service("svc", failing.Port), new ProxyOptions { AccessLog = log.Writer });
        using var client = Manifests.Client();
        using var gone = new CancellationTokenSource();

        var request = client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"), gone.Token);
        await Wait.UntilAsync(() => failing.Requests == 1, "the first attempt"); // then the gateway waits out its back-off
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        await Wait.UntilAsync(() => log.ToString().Contains("\"status\":", StringComparison.Ordinal), "the access log line");
        Assert.Contains("\"status\":499", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("client went away", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, failing.Requests);
    }

    [Fact]
    public async Task PerTryTimeout_Post_NotRetriedAnswers504()
    {
        await using var stalled = await EchoBackend.StartAsync("stalled");
        stalled.Stall = true;
        var rules = "    - {timeouts: {backendRequest: 200ms}, backendRefs: [{name: svc, port: 80}]}";
        await using var proxy = await Manifests.StartAsync(Gateway(rules) + Manifests.Service("svc", stalled.Port));
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "POST", "/"));
        Assert.Equal(504, (int)response.StatusCode);
        Assert.EndsWith(": backend request timeout", response.Headers.GetValues("x-switchyard-error").Single(), StringComparison.Ordinal);
        Assert.Equal(0, proxy.Runtime.Metrics.Retries);
    }

    [Fact]
    public async Task MaxEjectionPercent_EveryEndpointFailing_HalfStayInRotation()
    {
        await using var bad1 = await EchoBackend.StartAsync("bad1");
        await using var bad2 = await EchoBackend.StartAsync("bad2");
        bad1.Status = bad2.Status = 500;
        var annotations = "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/outlier-consecutive-5xx: \"1\", lb.switchyard.dev/outlier-max-ejection-percent: \"50\"}";
        await using var proxy = await Manifests.StartAsync(Gateway("    - backendRefs: [{name: svc, port: 80}]") + Manifests.Service("svc", "default", annotations, bad1.Port, bad2.Port));
        using var client = Manifests.Client();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            Assert.Equal(500, (int)response.StatusCode);
        }
        Assert.Equal(1, proxy.Runtime.Metrics.Ejections);
        Assert.Equal(6, bad1.Requests + bad2.Requests);
    }
}
