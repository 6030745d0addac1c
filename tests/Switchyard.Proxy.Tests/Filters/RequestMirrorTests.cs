using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Filters;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Filters;

/// <summary>
/// RequestMirror over real sockets: the copy reaches the mirror backend with method, target, Host, headers and body;
/// the primary answers even when the mirror stalls, refuses connections or is missing, and never waits for it.
/// </summary>
public sealed class RequestMirrorTests : IAsyncLifetime
{
    private readonly Channel<string> _copies = Channel.CreateUnbounded<string>();
    private EchoBackend _primary = null!;
    private EchoBackend _stall = null!;
    private KestrelBackend _shadow = null!;
    private GatewayProxy _proxy = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _primary = await EchoBackend.StartAsync("primary");
        _stall = await EchoBackend.StartAsync("stall");
        _stall.Stall = true;
        _shadow = await KestrelBackend.StartAsync(HttpProtocols.Http1, RecordAsync);
        var closed = Ports.Closed();
        _proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - matches: [{path: {value: /m}}]
                  filters: [{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}]
                  backendRefs: [{name: primary, port: 80}]
                - matches: [{path: {value: /stall}}]
                  filters: [{type: RequestMirror, requestMirror: {backendRef: {name: stall, port: 80}}}]
                  backendRefs: [{name: primary, port: 80}]
                - matches: [{path: {value: /down}}]
                  filters: [{type: RequestMirror, requestMirror: {backendRef: {name: down, port: 80}}}]
                  backendRefs: [{name: primary, port: 80}]
                - matches: [{path: {value: /never}}]
                  filters: [{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}, percent: 0}}]
                  backendRefs: [{name: primary, port: 80}]
                - matches: [{path: {value: /backend-filtered}}]
                  filters: [{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}]
                  backendRefs: [{name: primary, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-test, value: primary-only}]}}]}]
            """, route: "mirrored") + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: mirror-missing, namespace: default}
            spec:
              parentRefs: [{name: web}]
              rules:
                - matches: [{path: {value: /missing}}]
                  filters: [{type: RequestMirror, requestMirror: {backendRef: {name: nosuch, port: 80}}}]
                  backendRefs: [{name: primary, port: 80}]
            ---

            """ + Manifests.Service("primary", _primary.Port) + Manifests.Service("stall", _stall.Port) + Manifests.Service("shadow", _shadow.Port)
            + Manifests.Service("down", closed), new ProxyOptions { Admin = new IPEndPoint(IPAddress.Loopback, 0) });
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _shadow.DisposeAsync();
        await _stall.DisposeAsync();
        await _primary.DisposeAsync();
    }

    private async Task RecordAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        _copies.Writer.TryWrite($"{request.Method} {request.Path}{request.QueryString} host={request.Host} x-test={request.Headers["x-test"]} body={body}");
        context.Response.StatusCode = 500; // ignored by the proxy
    }

    private async Task<string> NextCopyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return await _copies.Reader.ReadAsync(timeout.Token);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(string method, string path, string? body = null)
    {
        using var client = Manifests.Client();
        using var request = Manifests.Request(_port, "mirror.test", method, path, ("x-test", "1"));
        if (body is not null) request.Content = new StringContent(body);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Mirror_PostWithBody_CopyReachesMirrorAndPrimaryAnswers()
    {
        Assert.Equal((HttpStatusCode.OK, "primary payload"), await SendAsync("POST", "/m/x?q=1", "payload"));
        Assert.Equal("POST /m/x?q=1 host=mirror.test x-test=1 body=payload", await NextCopyAsync());
        Assert.Equal((HttpStatusCode.OK, "primary "), await SendAsync("GET", "/m"));
        Assert.Equal("GET /m host=mirror.test x-test=1 body=", await NextCopyAsync());
        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.MirrorCount(Rule(0), "sent") == 2, "both copies answered");
    }

    [Fact]
    public async Task Mirror_WithBackendRefFilter_CopyIsTheRequestWithoutThem()
    {
        // A backendRef's filters belong to that backend: the primary gets them, the mirror gets the rule's request.
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(_port, "mirror.test", "GET", "/backend-filtered", ("x-test", "1")));
        Assert.Equal("primary-only", response.Headers.GetValues("x-echo-h-x-test").Single());
        Assert.Equal("GET /backend-filtered host=mirror.test x-test=1 body=", await NextCopyAsync());
    }

    [Fact]
    public async Task Mirror_StallingMirror_PrimaryAnswersWhileTheCopyIsStillInFlight()
    {
        Assert.Equal((HttpStatusCode.OK, "primary "), await SendAsync("GET", "/stall"));
        await Wait.UntilAsync(() => _stall.Requests == 1, "the copy reached the stalling mirror");
        // The mirror never answers (until the copy's own timeout), so a primary that waited for it could not have answered yet.
        Assert.Equal((0L, 0L), (_proxy.Runtime.Metrics.MirrorCount(Rule(1), "sent"), _proxy.Runtime.Metrics.MirrorCount(Rule(1), "failed")));
    }

    [Theory]
    [InlineData("/down", "httproute default/mirrored rule 2")]
    [InlineData("/missing", "httproute default/mirror-missing rule 0")]
    public async Task Mirror_UnreachableOrMissingMirror_PrimaryStillAnswers(string path, string route)
    {
        Assert.Equal((HttpStatusCode.OK, "primary "), await SendAsync("GET", path));
        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.MirrorCount(route, "failed") == 1, "the failed copy is counted");
    }

    [Fact]
    public async Task Metrics_SentFailedAndTooLargeCopies_CountedByRouteAndResult()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "/m")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("POST", "/m", new string('x', MirrorSender.MaxBody + 1))).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "/down")).Status);
        string[] expected =
        [
            $"switchyard_proxy_mirror_requests_total{{route=\"{Rule(0)}\",result=\"dropped\"}} 1",
            $"switchyard_proxy_mirror_requests_total{{route=\"{Rule(0)}\",result=\"sent\"}} 1",
            $"switchyard_proxy_mirror_requests_total{{route=\"{Rule(2)}\",result=\"failed\"}} 1",
        ];
        using var client = Manifests.Client();
        var metrics = "";
        await Wait.UntilAsync(async () =>
        {
            metrics = await client.GetStringAsync(new Uri(_proxy.AdminUrl!, "/metrics"));
            return expected.All(line => metrics.Contains(line, StringComparison.Ordinal));
        }, "mirror counters in /metrics");
        var mirrorLines = metrics.Split('\n').Where(l => l.StartsWith("switchyard_proxy_mirror_requests_total{", StringComparison.Ordinal));
        Assert.Equal(expected, mirrorLines);
        Assert.Equal(1, _copies.Reader.Count);
    }

    private static string Rule(int index) => $"httproute default/mirrored rule {index}";

    [Fact]
    public async Task Mirror_ZeroPercent_SendsNoCopy()
    {
        for (var i = 0; i < 3; i++) Assert.Equal((HttpStatusCode.OK, "primary "), await SendAsync("GET", "/never"));
        Assert.Equal((HttpStatusCode.OK, "primary "), await SendAsync("GET", "/m"));
        Assert.Equal("GET /m host=mirror.test x-test=1 body=", await NextCopyAsync());
        Assert.False(_copies.Reader.TryRead(out var extra), extra);
    }

    [Fact]
    public void Status_MissingMirrorBackend_ResolvedRefsFalse()
    {
        var route = _proxy.Statuses.Single(s => s.Object.Metadata.Name == "mirror-missing").Status;
        var resolved = ((Model.Gateway.HTTPRouteStatus)route).Parents!.Single().Conditions!.Single(c => c.Type == "ResolvedRefs");
        Assert.Equal(("False", "BackendNotFound"), (resolved.Status, resolved.Reason));
        Assert.Equal("requestMirror backendRef default/nosuch:80: service default/nosuch not found", resolved.Message);
    }

    private sealed class FixedRandom(int value) : IRandomSource
    {
        public int Next(int maxExclusive) => value % maxExclusive;
    }

    [Theory]
    [InlineData(100, 100, 99, true)]
    [InlineData(0, 100, 0, false)]
    [InlineData(25, 100, 24, true)]
    [InlineData(25, 100, 25, false)]
    [InlineData(1, 3, 0, true)]
    [InlineData(1, 3, 1, false)]
    public void Sampled_Fraction_CopiesNumeratorOutOfDenominator(int numerator, int denominator, int random, bool expected)
    {
        var mirror = new RequestMirror(Proxy.Config.BackendResolver.Broken("x", "unused", 1), numerator, denominator);
        Assert.Equal(expected, mirror.Sampled(new FixedRandom(random)));
    }
}
