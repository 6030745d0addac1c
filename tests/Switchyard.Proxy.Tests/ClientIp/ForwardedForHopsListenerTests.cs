using System.Net;
using System.Text.Json.Nodes;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// Gateways annotated <c>gateway.switchyard.dev/x-forwarded-for-trusted-hops</c> ("1" and "2"), over real sockets with
/// HttpClient connections bound to chosen loopback addresses and a real echo backend: the client is the Nth address of
/// X-Forwarded-For from the right whoever the peer is, the peer when the header holds fewer addresses or the rightmost
/// is malformed; it is the access log's <c>client</c> (the peer in <c>peer</c>), what authorization's clientCIDRs match
/// and what <c>sessionAffinity: ClientIP</c> sticks by, and the source address of an ExternalAuth GRPC CheckRequest;
/// per request on one keep-alive connection and on HTTP/2 streams; the header sent upstream (and to the authorization
/// service) keeps the chain and appends the peer.
/// </summary>
public sealed class ForwardedForHopsListenerTests : IAsyncLifetime
{
    private static readonly IPAddress TwoHops = IPAddress.Parse("127.0.0.130");
    private static readonly IPAddress OneHop = IPAddress.Parse("127.0.0.131");
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.132");
    private static readonly IPAddress Other = IPAddress.Parse("127.0.0.133");

    private readonly SharedLog _log = new();
    private EchoBackend _echo = null!;
    private ExternalAuth.ExtAuthzServer _auth = null!;
    private readonly List<EchoBackend> _sticky = [];
    private GatewayProxy _proxy = null!;

    private int PortOf(IPAddress gateway) => _proxy.Listeners[new IPEndPoint(gateway, 0)].Port;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        _auth = await ExternalAuth.ExtAuthzServer.StartAsync((_, _) => Task.FromResult(new Envoy.Service.Auth.V3.CheckResponse { Status = new Google.Rpc.Status { Code = 0 } }));
        foreach (var name in new[] { "a", "b", "c" }) _sticky.Add(await EchoBackend.StartAsync(name));
        var sticky = Manifests.Service("sticky", [.. _sticky.Select(s => s.Port)])
            .Replace("  ports: [{name: http, port: 80}]", "  sessionAffinity: ClientIP\n  ports: [{name: http, port: 80}]", StringComparison.Ordinal);
        Assert.Contains("sessionAffinity: ClientIP", sticky);
        var yaml = Manifests.GatewayClass
            + GatewayYaml.Gateway("two", TwoHops, "{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"2\"}")
            + GatewayYaml.Gateway("one", OneHop, "{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"1\"}")
            + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: site, namespace: default}
            spec:
              parentRefs: [{name: two}, {name: one}]
              rules:
              - matches: [{path: {value: /authz}}]
                filters: [{type: ExtensionRef, extensionRef: {group: gateway.switchyard.dev, kind: HTTPTrafficFilter, name: customers}}]
                backendRefs: [{name: echo, port: 80}]
              - matches: [{path: {value: /sticky}}]
                backendRefs: [{name: sticky, port: 80}]
              - matches: [{path: {value: /extauth}}]
                filters: [{type: ExternalAuth, externalAuth: {protocol: GRPC, backendRef: {name: authz, port: 80}, grpc: {}}}]
                backendRefs: [{name: echo, port: 80}]
              - backendRefs: [{name: echo, port: 80}]
            ---
            apiVersion: gateway.switchyard.dev/v1alpha1
            kind: HTTPTrafficFilter
            metadata: {name: customers, namespace: default}
            spec:
              authorization:
                rules: [{name: customers, action: Allow, principal: {clientCIDRs: [203.0.113.0/24]}}]
            ---

            """ + Manifests.Service("echo", _echo.Port) + Manifests.Service("authz", _auth.Port) + sticky;
        _proxy = await Manifests.StartAsync(yaml, new ProxyOptions { AccessLog = _log.Writer });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _auth.DisposeAsync();
        await _echo.DisposeAsync();
        foreach (var s in _sticky) await s.DisposeAsync();
    }

    [Fact]
    public async Task OneHop_ClientIsTheRightmost_UpstreamHeaderAppendsThePeer()
    {
        using var http = new BoundClient(Balancer);

        using var response = await http.GetAsync(OneHop, PortOf(OneHop), "/hops/one", "6.6.6.6, 203.0.113.5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"6.6.6.6, 203.0.113.5, {Balancer}", response.Headers.GetValues("x-echo-h-x-forwarded-for").Single());
        var line = await LogLineAsync("/hops/one");
        Assert.Equal(("203.0.113.5", Balancer.ToString()), ((string?)line["client"], (string?)line["peer"]));
    }

    /// <summary>{gateway hops, from, X-Forwarded-For, client}: any peer's header is read; too short, or malformed before the Nth address, the peer.</summary>
    [Theory]
    [InlineData("t1", 2, "127.0.0.132", "203.0.113.5, 10.0.0.2", "203.0.113.5")]
    [InlineData("t2", 2, "127.0.0.133", "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5")]
    [InlineData("t3", 2, "127.0.0.132", "203.0.113.5", "127.0.0.132")]
    [InlineData("t4", 2, "127.0.0.132", null, "127.0.0.132")]
    [InlineData("t5", 2, "127.0.0.132", "203.0.113.5, unknown", "127.0.0.132")]
    [InlineData("t6", 2, "127.0.0.132", "203.0.113.5, garbage, 10.0.0.2", "127.0.0.132")]
    [InlineData("t7", 1, "127.0.0.133", "203.0.113.9", "203.0.113.9")]
    [InlineData("t8", 1, "127.0.0.133", "[2001:db8::9]:443", "2001:db8::9")]
    [InlineData("t9", 1, "127.0.0.133", "203.0.113.9, 010.0.0.1", "127.0.0.133")]
    public async Task Client_Table(string name, int hops, string from, string? header, string client)
    {
        var gateway = hops == 2 ? TwoHops : OneHop;
        var path = $"/hops/table/{name}";
        using var http = new BoundClient(IPAddress.Parse(from));

        using var response = await http.GetAsync(gateway, PortOf(gateway), path, header);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var line = await LogLineAsync(path);
        Assert.Equal((client, client == from ? null : from), ((string?)line["client"], (string?)line["peer"]));
    }

    [Fact]
    public async Task KeepAliveConnection_EachRequestItsOwnClient()
    {
        using var http = new BoundClient(Balancer);

        foreach (var (path, header) in new[] { ("/hka/1", "203.0.113.1, 10.0.0.2"), ("/hka/2", "198.51.100.2, 10.0.0.2"), ("/hka/3", "10.0.0.2"), ("/hka/4", "198.51.100.2, 10.0.0.2"), ("/hka/5", null) })
        {
            using var response = await http.GetAsync(TwoHops, PortOf(TwoHops), path, header);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var clients = new List<string?>();
        foreach (var path in new[] { "/hka/1", "/hka/2", "/hka/3", "/hka/4", "/hka/5" }) clients.Add((string?)(await LogLineAsync(path))["client"]);
        Assert.Equal(["203.0.113.1", "198.51.100.2", Balancer.ToString(), "198.51.100.2", Balancer.ToString()], clients);
        Assert.Equal(1, http.Connections);
    }

    [Fact]
    public async Task Http2Streams_OnOneConnection_EachItsOwnClient()
    {
        using var http = new BoundClient(Balancer);
        using (var first = await http.GetAsync(TwoHops, PortOf(TwoHops), "/hh2/0", null, HttpVersion.Version20)) Assert.Equal(HttpVersion.Version20, first.Version);

        var answers = await Task.WhenAll(Enumerable.Range(1, 6).Select(async i =>
        {
            using var response = await http.GetAsync(TwoHops, PortOf(TwoHops), $"/hh2/{i}", $"6.6.6.6, 203.0.113.{i}, 10.0.0.{i}", HttpVersion.Version20);
            return (response.Version, Status: response.StatusCode);
        }));

        Assert.All(answers, a => Assert.Equal((HttpVersion.Version20, HttpStatusCode.OK), a));
        for (var i = 1; i <= 6; i++) Assert.Equal($"203.0.113.{i}", (string?)(await LogLineAsync($"/hh2/{i}"))["client"]);
        Assert.Equal(1, http.Connections);
    }

    /// <summary>{X-Forwarded-For, status} on the two-hop Gateway: clientCIDRs 203.0.113.0/24 against the derived client, never the (loopback) peer.</summary>
    [Theory]
    [InlineData("203.0.113.5, 10.0.0.2", 200)]
    [InlineData("198.51.100.1, 203.0.113.5, 10.0.0.2", 200)]
    [InlineData("203.0.113.5, 198.51.100.1, 10.0.0.2", 403)]
    [InlineData("10.0.0.2, 203.0.113.5", 403)]
    [InlineData("203.0.113.5", 403)]
    [InlineData(null, 403)]
    public async Task Authorization_ClientCidrs_MatchTheDerivedClient(string? header, int status)
    {
        using var http = new BoundClient(Balancer);

        using var response = await http.GetAsync(TwoHops, PortOf(TwoHops), "/authz", header);

        Assert.Equal(status, (int)response.StatusCode);
    }

    [Fact]
    public async Task ExternalAuthGrpc_SourceIsTheDerivedClient_HeaderAppendsThePeer()
    {
        using var http = new BoundClient(Balancer);

        using var response = await http.GetAsync(TwoHops, PortOf(TwoHops), "/extauth", "203.0.113.5, 10.0.0.2");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var check = _auth.Seen.Last().Attributes;
        Assert.Equal(("203.0.113.5", 0u), (check.Source.Address.SocketAddress.Address, check.Source.Address.SocketAddress.PortValue));
        Assert.Equal($"203.0.113.5, 10.0.0.2, {Balancer}", check.Request.Http.Headers["x-forwarded-for"]);
    }

    [Fact]
    public async Task SessionAffinityClientIp_SticksByTheDerivedClient()
    {
        using var http = new BoundClient(Balancer);

        async Task<string?> BackendFor(string client)
        {
            using var response = await http.GetAsync(OneHop, PortOf(OneHop), "/sticky", client);
            return response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : null;
        }

        var chosen = new Dictionary<string, string?>();
        for (var i = 1; i <= 24; i++) chosen[$"198.51.100.{i}"] = await BackendFor($"198.51.100.{i}");
        foreach (var (client, backend) in chosen) Assert.Equal(backend, await BackendFor(client));

        Assert.DoesNotContain(null, chosen.Values);
        Assert.True(chosen.Values.Distinct().Count() >= 2, "every client went to one backend: the peer (always the balancer) was hashed");
    }

    private async Task<JsonNode> LogLineAsync(string path)
    {
        JsonNode? found = null;
        await Wait.UntilAsync(() =>
        {
            found = _log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).FirstOrDefault(n => (string?)n["path"] == path);
            return found is not null;
        }, $"access log line for {path}");
        return found!;
    }
}
