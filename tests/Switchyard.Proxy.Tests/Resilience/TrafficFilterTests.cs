using Switchyard.Model.Gateway;
using Switchyard.Model.Manifests;
using Switchyard.Proxy.Tests.Support;
using static Switchyard.Proxy.Tests.Resilience.ResilienceTests;

namespace Switchyard.Proxy.Tests.Resilience;

/// <summary>HTTPTrafficFilter on HTTPRoute rules (ExtensionRef): fault injection (delay, abort) and local rate limiting.</summary>
public sealed class TrafficFilterTests
{
    private const string Route = "httproute default/r rule 0";

    private static string Rule(string filter) =>
        $"    - filters: [{GatewayYaml.TrafficFilterRef(filter)}]\n"
        + "      backendRefs: [{name: svc, port: 80}]";

    private static async Task<(int Status, string? Error, HttpResponseMessage Response)> Get(HttpClient client, GatewayProxy proxy)
    {
        var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"));
        var error = response.Headers.TryGetValues("x-switchyard-error", out var v) ? v.Single() : null;
        return ((int)response.StatusCode, error, response);
    }

    /// <summary>A backend, a proxy routing to it through the rule that names filter <c>name</c> with <c>spec</c>, and a client.</summary>
    private sealed record Setup(EchoBackend Backend, GatewayProxy Proxy, HttpClient Client) : IAsyncDisposable
    {
        public static async Task<Setup> StartAsync(string name, string spec)
        {
            var backend = await EchoBackend.StartAsync("b");
            var proxy = await Manifests.StartAsync(Gateway(Rule(name)) + GatewayYaml.TrafficFilter(name, spec) + Manifests.Service("svc", backend.Port));
            return new Setup(backend, proxy, Manifests.Client());
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Proxy.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }

    /// <summary>Sends <paramref name="count"/> GETs one after another; their statuses and error headers.</summary>
    private static async Task<List<(int Status, string? Error)>> GetMany(HttpClient client, GatewayProxy proxy, int count)
    {
        var answers = new List<(int, string?)>();
        for (var i = 0; i < count; i++)
        {
            var (status, error, response) = await Get(client, proxy);
            response.Dispose();
            answers.Add((status, error));
        }
        return answers;
    }

    [Fact]
    public async Task Abort100Percent_EveryRequest_AnsweredWithStatusNotForwarded()
    {
        await using var setup = await Setup.StartAsync("chaos", "{fault: {abort: {status: 503, percentage: 100}}}");
        var (backend, proxy, client) = setup;
        var abort = (503, $"route {Route}: httptrafficfilter default/chaos: fault injected: abort 503");
        Assert.Equal([abort, abort, abort], await GetMany(client, proxy, 3));
        Assert.Equal(0, backend.Requests);
        Assert.Equal(3, proxy.Runtime.Metrics.FaultCount(Route, "abort"));
    }

    [Fact]
    public async Task Abort0Percent_EveryRequest_Forwarded()
    {
        await using var setup = await Setup.StartAsync("chaos", "{fault: {abort: {status: 500, percentage: 0}, delay: {duration: 1h, percentage: 0}}}");
        var (backend, proxy, client) = setup;
        Assert.Equal([200, 200, 200], (await GetMany(client, proxy, 3)).Select(a => a.Status));
        Assert.Equal(3, backend.Requests);
        Assert.Equal(0, proxy.Runtime.Metrics.FaultCount(Route, "abort"));
        Assert.Equal(0, proxy.Runtime.Metrics.FaultCount(Route, "delay"));
    }

    [Fact]
    public async Task Delay100Percent_Request_DelayedThenForwarded()
    {
        await using var setup = await Setup.StartAsync("slow", "{fault: {delay: {duration: 50ms}}}");
        var (backend, proxy, client) = setup;
        var (status, _, response) = await Get(client, proxy);
        response.Dispose();
        Assert.Equal(200, status);
        Assert.Equal(1, backend.Requests);
        Assert.Equal(1, proxy.Runtime.Metrics.FaultCount(Route, "delay"));
    }

    [Fact]
    public async Task DelayLongerThanRequestTimeout_Request_Answers504NotForwarded()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        var rule = Rule("slow") + "\n      timeouts: {request: 200ms}";
        await using var proxy = await Manifests.StartAsync(Gateway(rule) + GatewayYaml.TrafficFilter("slow", "{fault: {delay: {duration: 5s}}}") + Manifests.Service("svc", backend.Port));
        using var client = Manifests.Client();
        var (status, error, response) = await Get(client, proxy);
        response.Dispose();
        Assert.Equal((504, $"route {Route}: httptrafficfilter default/slow: request timeout during fault delay"), (status, error));
        Assert.Equal(0, backend.Requests);
        Assert.Equal(1, proxy.Runtime.Metrics.FaultCount(Route, "delay"));
    }

    [Fact]
    public async Task RateLimit_OverBurst_Answers429WithRetryAfter()
    {
        await using var setup = await Setup.StartAsync("limits", "{rateLimit: {requests: 2, unit: Hour}}");
        var (backend, proxy, client) = setup;
        var statuses = (await GetMany(client, proxy, 2)).Select(a => a.Status).ToList();
        var (limited, error, limitedResponse) = await Get(client, proxy);
        using (limitedResponse)
        {
            Assert.Equal([200, 200], statuses);
            Assert.Equal(429, limited);
            Assert.Equal($"route {Route}: httptrafficfilter default/limits: rate limited (2 per Hour, burst 2)", error);
            Assert.True(int.Parse(limitedResponse.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        }
        Assert.Equal(2, backend.Requests);
        Assert.Equal(1, proxy.Runtime.Metrics.RateLimitedCount(Route));
    }

    [Fact]
    public async Task RateLimit_Reconfigured_BucketKeptUnlessSettingsChange()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        var baseYaml = Gateway(Rule("limits")) + Manifests.Service("svc", backend.Port);
        var yaml = baseYaml + GatewayYaml.TrafficFilter("limits", "{rateLimit: {requests: 1, unit: Hour, retryAfter: false}}");
        await using var proxy = await Manifests.StartAsync(yaml);
        using var client = Manifests.Client();
        var (first, _, r1) = await Get(client, proxy);
        r1.Dispose();
        Assert.Equal(200, first);

        await proxy.ApplyAsync(Read(yaml), 2, CancellationToken.None);
        var (again, _, r2) = await Get(client, proxy);
        using (r2)
        {
            Assert.Equal(429, again);
            Assert.False(r2.Headers.Contains("Retry-After"));
        }

        await proxy.ApplyAsync(Read(baseYaml + GatewayYaml.TrafficFilter("limits", "{rateLimit: {requests: 1, unit: Hour, burst: 2, retryAfter: false}}")), 3, CancellationToken.None);
        var (changed, _, r3) = await Get(client, proxy);
        r3.Dispose();
        Assert.Equal(200, changed);
    }

    [Fact]
    public async Task MissingFilter_Rule_Answers500AndRouteSaysWhy()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await Manifests.StartAsync(Gateway(Rule("nope")) + Manifests.Service("svc", backend.Port));
        using var client = Manifests.Client();
        var (status, error, response) = await Get(client, proxy);
        response.Dispose();
        Assert.Equal(500, status);
        Assert.Equal($"route {Route}: httptrafficfilter default/nope not found", error);
        Assert.Equal(0, backend.Requests);
        var route = (HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is HTTPRoute).Status;
        var resolved = route.Parents!.Single().Conditions!.Single(c => c.Type == "ResolvedRefs");
        Assert.Equal("False", resolved.Status);
        Assert.Equal("rule 0: extensionRef: httptrafficfilter default/nope not found", resolved.Message);
    }

    [Fact]
    public async Task InvalidFilter_Rule_FailsClosedNamingTheField()
    {
        await using var setup = await Setup.StartAsync("bad", "{rateLimit: {requests: 0}}");
        var (backend, proxy, client) = setup;
        var (status, error, response) = await Get(client, proxy);
        response.Dispose();
        Assert.Equal(500, status);
        Assert.Equal($"route {Route}: httptrafficfilter default/bad is invalid: spec.rateLimit.requests: Invalid value: 0: must be at least 1", error);
    }

    [Fact]
    public async Task ExtensionRefToOtherKind_Route_NotAccepted()
    {
        var rule = "    - filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Magic, name: x}}]\n      backendRefs: [{name: svc, port: 80}]";
        await using var proxy = await Manifests.StartAsync(Gateway(rule) + Manifests.Service("svc", 9));
        var route = (HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is HTTPRoute).Status;
        var accepted = route.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("rule 0: filter ExtensionRef to example.com/Magic x is not supported by switchyard.dev/gateway-controller (ExtensionRef to gateway.switchyard.dev/HTTPTrafficFilter is)", accepted.Message, StringComparison.Ordinal);
    }

    private static List<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>> Read(string yaml) =>
        [.. new ManifestReader(new ManifestReaderOptions { Validate = false }).ReadText("test.yaml", yaml).Resources];
}
