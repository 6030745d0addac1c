using System.Net;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Tests.Support;
using static Switchyard.Proxy.Tests.Resilience.ResilienceTests;

namespace Switchyard.Proxy.Tests.Resilience;

/// <summary>Active HTTP health checks against real backends that fail their checks, stall, or refuse connections.</summary>
public sealed class HealthCheckTests
{
    private const string Route = "    - backendRefs: [{name: svc, port: 80}]";

    /// <summary>Checks every 20 ms; a check may take 5 s (<paramref name="timeout"/>), so a healthy backend slowed by a loaded machine never fails one.</summary>
    private static string Checked(string extra = "", string timeout = "5s") =>
        "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/health-check-path: /healthz, lb.switchyard.dev/health-check-interval: 20ms, "
        + $"lb.switchyard.dev/health-check-timeout: {timeout}, lb.switchyard.dev/health-check-unhealthy-threshold: \"2\", lb.switchyard.dev/health-check-healthy-threshold: \"2\"" + extra + "}";

    private static EndpointState Endpoint(GatewayProxy proxy, int port) => proxy.Runtime.Endpoints.All.Single(e => e.Address.Port == port);

    private static async Task<string> GetAsync(HttpClient client, Uri admin, string path) => await client.GetStringAsync(new Uri(admin, path));

    [Fact]
    public async Task FailingChecks_Endpoint_GetsNoRequestsUntilItPassesAgain()
    {
        await using var good = await EchoBackend.StartAsync("good");
        await using var bad = await EchoBackend.StartAsync("bad");
        bad.HealthStatus = 503;
        var options = new ProxyOptions { Admin = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", Checked(), good.Port, bad.Port), options);
        using var client = Manifests.Client();
        var badEndpoint = Endpoint(proxy, bad.Port);
        await Wait.UntilAsync(() => badEndpoint.FailingActiveChecks, "bad endpoint marked failing");

        for (var i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            Assert.Equal("good", response.Headers.GetValues("x-backend").Single());
        }
        Assert.Equal(0, bad.Requests);
        var config = await GetAsync(client, proxy.AdminUrl!, "/config");
        Assert.Contains($"endpoint 127.0.0.1:{bad.Port} backend default/svc:80 in-flight 0 active-health failing (GET /healthz answered 503, expected 200-399)", config, StringComparison.Ordinal);
        var metrics = await GetAsync(client, proxy.AdminUrl!, "/metrics");
        Assert.Contains($"switchyard_proxy_endpoint_healthy{{backend=\"default/svc:80\",endpoint=\"127.0.0.1:{bad.Port}\"}} 0", metrics, StringComparison.Ordinal);
        Assert.Contains($"switchyard_proxy_endpoint_healthy{{backend=\"default/svc:80\",endpoint=\"127.0.0.1:{good.Port}\"}} 1", metrics, StringComparison.Ordinal);
        Assert.True(proxy.Runtime.Metrics.HealthCheckCount(badEndpoint, passed: false) >= 2);

        bad.HealthStatus = 200;
        await Wait.UntilAsync(() => !badEndpoint.FailingActiveChecks, "bad endpoint back in rotation");
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            seen.Add(response.Headers.GetValues("x-backend").Single());
        }
        Assert.Equal(["bad", "good"], seen.Order());
    }

    [Fact]
    public async Task PolicyChanged_FailingEndpointStaysOutUntilItPasses()
    {
        // Tuning a health check during an incident must not put the endpoints known to fail back into rotation.
        await using var good = await EchoBackend.StartAsync("good");
        await using var bad = await EchoBackend.StartAsync("bad");
        bad.HealthStatus = 503;
        var yaml = Gateway(Route) + Manifests.Service("svc", "default", Checked(), good.Port, bad.Port);
        await using var proxy = await Manifests.StartAsync(yaml);
        var badEndpoint = Endpoint(proxy, bad.Port);
        await Wait.UntilAsync(() => badEndpoint.FailingActiveChecks, "bad endpoint marked failing");

        var retuned = yaml.Replace("health-check-interval: 20ms", "health-check-interval: 30ms", StringComparison.Ordinal);
        Assert.NotEqual(yaml, retuned);
        var objects = new Model.Manifests.ManifestReader(new Model.Manifests.ManifestReaderOptions { Validate = false }).ReadText("site.yaml", retuned).Resources;
        await proxy.ReloadAsync(objects, CancellationToken.None);

        Assert.True(badEndpoint.FailingActiveChecks);
        using var client = Manifests.Client();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
            Assert.Equal("good", response.Headers.GetValues("x-backend").Single());
        }
        Assert.Equal(0, bad.Requests);
    }

    [Fact]
    public async Task EveryEndpointFailing_Request_Answers503NamingHealthChecks()
    {
        await using var bad = await EchoBackend.StartAsync("bad");
        bad.HealthStatus = 500;
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", Checked(), bad.Port));
        await Wait.UntilAsync(() => Endpoint(proxy, bad.Port).FailingActiveChecks, "endpoint marked failing");
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("route httproute default/r rule 0: backend default/svc:80: no healthy endpoints (1 of 1 failing active health checks)",
            response.Headers.GetValues("x-switchyard-error").Single());
        Assert.Equal(0, bad.Requests);
    }

    [Fact]
    public async Task FailingChecks_OfOneService_LeaveTheSamePodsInAnotherServicesRotation()
    {
        // Two Services selecting the same pods: one team's health check (here one its pods fail) must not take the pods
        // out of the other Service's rotation, nor its outlier settings apply there. Each Service port has an endpoint
        // state of its own for the address; they share the address's connection pool.
        const string Rules = """
                - matches: [{path: {value: /checked}}]
                  backendRefs: [{name: checked, port: 80}]
                - matches: [{path: {value: /plain}}]
                  backendRefs: [{name: plain, port: 80}]
            """;
        await using var pod = await EchoBackend.StartAsync("pod");
        pod.HealthStatus = 503;
        await using var proxy = await Manifests.StartAsync(Gateway(Rules) + Manifests.Service("checked", "default", Checked(), pod.Port) + Manifests.Service("plain", pod.Port));
        var states = proxy.Runtime.Endpoints.All.OrderBy(e => e.Backend, StringComparer.Ordinal).ToList();
        Assert.Equal(["default/checked:80", "default/plain:80"], states.Select(e => e.Backend));
        Assert.Equal(states[0].Name, states[1].Name);
        Assert.Same(states[0].Pool, states[1].Pool);
        await Wait.UntilAsync(() => states[0].FailingActiveChecks, "the checked Service's endpoint marked failing");

        using var client = Manifests.Client();
        using var checkedAnswer = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/checked"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, checkedAnswer.StatusCode);
        using var plainAnswer = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/plain"));
        Assert.Equal(HttpStatusCode.OK, plainAnswer.StatusCode);
        Assert.Equal("pod", plainAnswer.Headers.GetValues("x-backend").Single());
        Assert.False(states[1].FailingActiveChecks);
    }

    [Fact]
    public async Task ExpectedStatuses_Annotation_DecidesWhatPasses()
    {
        await using var backend = await EchoBackend.StartAsync("teapot");
        backend.HealthStatus = 418;
        var annotations = Checked(", lb.switchyard.dev/health-check-expected-statuses: \"200,418\"");
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", annotations, backend.Port));
        var endpoint = Endpoint(proxy, backend.Port);
        await Wait.UntilAsync(() => proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: true) >= 3, "three passing checks");
        Assert.False(endpoint.FailingActiveChecks);
        Assert.Equal(0, proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: false));
    }

    [Fact]
    public async Task StalledEndpoint_CheckTimesOut_MarkedFailing()
    {
        await using var silent = new SilentListener();
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", Checked(timeout: "300ms"), silent.Port));
        var endpoint = Endpoint(proxy, silent.Port);
        await Wait.UntilAsync(() => endpoint.FailingActiveChecks, "stalled endpoint marked failing");
        Assert.Equal("GET /healthz timed out after 300ms", endpoint.LastHealthCheckFailure);
    }

    [Fact]
    public async Task RefusingEndpoint_CheckFails_MarkedFailing()
    {
        var port = Ports.Closed();
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", "default", Checked(), port));
        var endpoint = Endpoint(proxy, port);
        // Checks run every 20 ms: on a loaded machine one may time out before the refusal is seen; a later one names it.
        await Wait.UntilAsync(() => endpoint.FailingActiveChecks && endpoint.LastHealthCheckFailure?.StartsWith("GET /healthz failed: ", StringComparison.Ordinal) == true,
            "refusing endpoint marked failing, the last check naming the refused connection");
    }

    [Fact]
    public async Task NoHealthCheckAnnotation_NoChecksSent()
    {
        await using var backend = await EchoBackend.StartAsync("plain");
        await using var proxy = await Manifests.StartAsync(Gateway(Route) + Manifests.Service("svc", backend.Port));
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(0, backend.HealthChecks);
    }
}
