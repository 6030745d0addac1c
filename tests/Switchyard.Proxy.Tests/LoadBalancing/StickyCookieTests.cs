using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Tests.Support;
using static Switchyard.Proxy.Tests.Resilience.ResilienceTests;

namespace Switchyard.Proxy.Tests.LoadBalancing;

/// <summary>Sticky-cookie session affinity over real sockets: the proxy names the endpoint in a cookie and honours it while the endpoint is usable.</summary>
public sealed class StickyCookieTests
{
    private const string Route = "    - backendRefs: [{name: svc, port: 80}]";

    private static async Task<(string Backend, string? SetCookie)> Get(HttpClient client, GatewayProxy proxy, string? cookie = null)
    {
        var request = Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/");
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        var set = response.Headers.TryGetValues("Set-Cookie", out var v) ? v.Single() : null;
        return (response.Headers.GetValues("x-backend").Single(), set);
    }

    /// <summary>A proxy balancing round-robin over endpoints at <paramref name="ports"/> with sticky cookie <c>sy</c>.</summary>
    private static Task<GatewayProxy> StartRoundRobinAsync(params int[] ports) =>
        Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/sticky-cookie: sy}", ports));

    private static string Pair(string setCookie) => setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];

    [Fact]
    public async Task Cookie_LaterRequests_StayOnTheNamedEndpoint()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        var annotations = "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/sticky-cookie: sy-affinity, lb.switchyard.dev/sticky-cookie-max-age: 1h}";
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", annotations, a.Port, b.Port));
        using var client = Manifests.Client();
        var (first, setCookie) = await Get(client, proxy);
        Assert.NotNull(setCookie);
        Assert.Matches("^sy-affinity=[0-9a-f]{16}; Path=/; Max-Age=3600; HttpOnly$", setCookie);
        for (var i = 0; i < 5; i++)
        {
            var (backend, again) = await Get(client, proxy, Pair(setCookie));
            Assert.Equal(first, backend);
            Assert.Null(again);
        }
        var withoutCookie = new HashSet<string>();
        for (var i = 0; i < 4; i++) withoutCookie.Add((await Get(client, proxy)).Backend);
        Assert.Equal(["a", "b"], withoutCookie.Order());
    }

    [Fact]
    public async Task PinnedEndpointFailsHealthChecks_Request_MovesAndGetsNewCookie()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        // Two failed checks in a row (and a generous timeout) mark an endpoint: a slow check of the healthy one on a
        // loaded machine does not take it out too.
        var annotations = "{lb.switchyard.dev/sticky-cookie: sy, lb.switchyard.dev/health-check-path: /healthz, lb.switchyard.dev/health-check-interval: 20ms, lb.switchyard.dev/health-check-timeout: 5s, lb.switchyard.dev/health-check-unhealthy-threshold: \"2\"}";
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", annotations, a.Port, b.Port));
        using var client = Manifests.Client();
        var (first, setCookie) = await Get(client, proxy);
        var pinned = first == "a" ? a : b;
        pinned.HealthStatus = 503;
        var state = proxy.Runtime.Endpoints.All.Single(e => e.Address.Port == pinned.Port);
        await Wait.UntilAsync(() => state.FailingActiveChecks, "pinned endpoint failing health checks");
        var other = proxy.Runtime.Endpoints.All.Single(e => e.Address.Port != pinned.Port);
        await Wait.UntilAsync(() => !other.FailingActiveChecks, "the other endpoint passing its checks");
        var (moved, newCookie) = await Get(client, proxy, Pair(setCookie!));
        Assert.NotEqual(first, moved);
        Assert.NotNull(newCookie);
        Assert.NotEqual(Pair(setCookie!), Pair(newCookie));
        Assert.EndsWith("; Path=/; HttpOnly", newCookie, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAttemptFails_ProxyErrorAnswer_CarriesNoCookie()
    {
        var closed = Ports.Closed(2);
        await using var proxy = await StartRoundRobinAsync(closed[0], closed[1]);
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Contains("connect failed", response.Headers.GetValues("x-switchyard-error").Single(), StringComparison.Ordinal);
        Assert.Equal(1, proxy.Runtime.Metrics.Retries);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task FirstAttemptFails_RetryAnswers_CookieNamesTheAnsweringEndpoint()
    {
        await using var good = await EchoBackend.StartAsync("good");
        await using var proxy = await StartRoundRobinAsync(Ports.Closed(), good.Port);
        using var client = Manifests.Client();
        var token = StickyCookieBalancer.Token(proxy.Runtime.Endpoints.All.Single(e => e.Address.Port == good.Port));
        for (var i = 0; i < 2; i++) Assert.Equal(("good", $"sy={token}; Path=/; HttpOnly"), await Get(client, proxy));
        Assert.True(proxy.Runtime.Metrics.Retries >= 1, "round-robin sent one of the two requests to the closed port first");
    }

    [Fact]
    public async Task UnknownCookieValue_Request_BalancedAndCookieSet()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", "{lb.switchyard.dev/sticky-cookie: sy}", a.Port));
        using var client = Manifests.Client();
        var (backend, setCookie) = await Get(client, proxy, "sy=0000000000000000");
        Assert.Equal("a", backend);
        Assert.StartsWith("sy=", setCookie, StringComparison.Ordinal);
        Assert.NotEqual("sy=0000000000000000", Pair(setCookie!));
    }
}
