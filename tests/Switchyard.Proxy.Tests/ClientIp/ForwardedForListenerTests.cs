using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// A Gateway annotated <c>gateway.switchyard.dev/x-forwarded-for-trusted-cidrs</c>, over real sockets with HttpClient
/// connections bound to chosen loopback addresses (a "load balancer" in the trusted set, a "stranger" outside it) and
/// a real echo backend: the client X-Forwarded-For names is the access log's <c>client</c> (the peer in <c>peer</c>),
/// what authorization's clientCIDRs match and what source-IP hashing sticks by; per request on one keep-alive
/// connection and on HTTP/2 streams; the header sent upstream keeps the chain and appends the peer. An untrusted
/// peer's header is ignored, and a Gateway without the annotation on the same proxy is unchanged.
/// </summary>
public sealed class ForwardedForListenerTests : IAsyncLifetime
{
    private static readonly IPAddress Edge = IPAddress.Parse("127.0.0.120");
    private static readonly IPAddress Plain = IPAddress.Parse("127.0.0.122");
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.121");
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.123");

    private readonly SharedLog _log = new();
    private EchoBackend _echo = null!;
    private readonly List<EchoBackend> _sticky = [];
    private GatewayProxy _proxy = null!;

    private int EdgePort => _proxy.Listeners[new IPEndPoint(Edge, 0)].Port;
    private int PlainPort => _proxy.Listeners[new IPEndPoint(Plain, 0)].Port;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        foreach (var name in new[] { "a", "b", "c" }) _sticky.Add(await EchoBackend.StartAsync(name));
        var sticky = GatewayYaml.ClientIpAffinity("sticky", [.. _sticky.Select(s => s.Port)]);
        Assert.Contains("sessionAffinity: ClientIP", sticky);
        var yaml = Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Edge, $"{{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8, {Balancer}/32\"}}")
            + GatewayYaml.Gateway("plain", Plain)
            + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: site, namespace: default}
            spec:
              parentRefs: [{name: edge}, {name: plain}]
              rules:
              - matches: [{path: {value: /authz}}]
                filters: [{type: ExtensionRef, extensionRef: {group: gateway.switchyard.dev, kind: HTTPTrafficFilter, name: customers}}]
                backendRefs: [{name: echo, port: 80}]
              - matches: [{path: {value: /sticky}}]
                backendRefs: [{name: sticky, port: 80}]
              - backendRefs: [{name: echo, port: 80}]
            ---
            apiVersion: gateway.switchyard.dev/v1alpha1
            kind: HTTPTrafficFilter
            metadata: {name: customers, namespace: default}
            spec:
              authorization:
                rules: [{name: customers, action: Allow, principal: {clientCIDRs: [203.0.113.0/24]}}]
            ---

            """ + Manifests.Service("echo", _echo.Port) + sticky;
        _proxy = await Manifests.StartAsync(yaml, new ProxyOptions { AccessLog = _log.Writer, ForwardedHeader = true });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _echo.DisposeAsync();
        foreach (var s in _sticky) await s.DisposeAsync();
    }

    [Fact]
    public async Task TrustedPeer_ClientIsFirstUntrustedFromTheRight_UpstreamHeaderAppendsThePeer()
    {
        using var http = new BoundClient(Balancer);

        using var response = await http.GetAsync(Edge, EdgePort, "/log/trusted", "203.0.113.5, 10.1.2.3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"203.0.113.5, 10.1.2.3, {Balancer}", Echoed(response, "x-forwarded-for"));
        Assert.Equal($"for={Balancer};proto=http;host=\"{Edge}:{EdgePort}\"", Echoed(response, "forwarded")); // the hop, not the client
        var line = await LogLineAsync("/log/trusted");
        Assert.Equal(("203.0.113.5", Balancer.ToString()), ((string?)line["client"], (string?)line["peer"]));
    }

    [Fact]
    public async Task UntrustedPeer_HeaderIgnored_ClientIsThePeer()
    {
        using var http = new BoundClient(Stranger);

        using var response = await http.GetAsync(Edge, EdgePort, "/log/stranger", "203.0.113.5");

        Assert.Equal($"203.0.113.5, {Stranger}", Echoed(response, "x-forwarded-for"));
        var line = await LogLineAsync("/log/stranger");
        Assert.Equal((Stranger.ToString(), null), ((string?)line["client"], (string?)line["peer"]));
    }

    [Fact]
    public async Task GatewayWithoutAnnotation_TrustedAddressToo_ClientIsThePeer()
    {
        using var http = new BoundClient(Balancer);

        using var response = await http.GetAsync(Plain, PlainPort, "/log/plain", "203.0.113.5");

        Assert.Equal($"203.0.113.5, {Balancer}", Echoed(response, "x-forwarded-for"));
        var line = await LogLineAsync("/log/plain");
        Assert.Equal((Balancer.ToString(), null), ((string?)line["client"], (string?)line["peer"]));
        Assert.Null(_proxy.Runtime.View.Current.Listeners[new IPEndPoint(Plain, 0)].ClientIpDetection);
    }

    [Fact]
    public async Task KeepAliveConnection_EachRequestItsOwnClient()
    {
        using var http = new BoundClient(Balancer);

        foreach (var (path, header) in new[] { ("/ka/1", "203.0.113.1"), ("/ka/2", "198.51.100.2"), ("/ka/3", null), ("/ka/4", "198.51.100.2"), ("/ka/5", "garbage") })
        {
            using var response = await http.GetAsync(Edge, EdgePort, path, header);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var clients = new List<string?>();
        foreach (var path in new[] { "/ka/1", "/ka/2", "/ka/3", "/ka/4", "/ka/5" }) clients.Add((string?)(await LogLineAsync(path))["client"]);
        Assert.Equal(["203.0.113.1", "198.51.100.2", Balancer.ToString(), "198.51.100.2", Balancer.ToString()], clients);
        Assert.Equal(1, http.Connections); // one connection: the client is per request, not per connection
    }

    [Fact]
    public async Task Http2Streams_OnOneConnection_EachItsOwnClient()
    {
        using var http = new BoundClient(Balancer);
        using (var first = await http.GetAsync(Edge, EdgePort, "/h2/0", null, HttpVersion.Version20)) Assert.Equal(HttpVersion.Version20, first.Version);

        var answers = await Task.WhenAll(Enumerable.Range(1, 6).Select(async i =>
        {
            using var response = await http.GetAsync(Edge, EdgePort, $"/h2/{i}", $"203.0.113.{i}", HttpVersion.Version20);
            return (response.Version, Status: response.StatusCode);
        }));

        Assert.All(answers, a => Assert.Equal((HttpVersion.Version20, HttpStatusCode.OK), a));
        for (var i = 1; i <= 6; i++) Assert.Equal($"203.0.113.{i}", (string?)(await LogLineAsync($"/h2/{i}"))["client"]);
        Assert.Equal(1, http.Connections);
    }

    /// <summary>{from, X-Forwarded-For, status}: clientCIDRs 203.0.113.0/24 against the derived client, not the (loopback) peer.</summary>
    [Theory]
    [InlineData("127.0.0.121", "203.0.113.5", 200)]
    [InlineData("127.0.0.121", "203.0.113.5, 10.7.7.7", 200)]
    [InlineData("127.0.0.121", "203.0.113.5, 198.51.100.1", 403)]
    [InlineData("127.0.0.121", "198.51.100.1", 403)]
    [InlineData("127.0.0.121", null, 403)]
    [InlineData("127.0.0.123", "203.0.113.5", 403)]
    public async Task Authorization_ClientCidrs_MatchTheDerivedClient(string from, string? header, int status)
    {
        using var http = new BoundClient(IPAddress.Parse(from));

        using var response = await http.GetAsync(Edge, EdgePort, "/authz", header);

        Assert.Equal(status, (int)response.StatusCode);
    }

    [Fact]
    public async Task AuthorizationOnGatewayWithoutAnnotation_HeaderNotBelieved_Denied()
    {
        using var http = new BoundClient(Balancer);

        using var response = await http.GetAsync(Plain, PlainPort, "/authz", "203.0.113.5");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task SessionAffinityClientIp_SticksByTheDerivedClient()
    {
        using var http = new BoundClient(Balancer);

        async Task<string?> BackendFor(string client)
        {
            using var response = await http.GetAsync(Edge, EdgePort, "/sticky", client);
            return response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : null;
        }

        var chosen = new Dictionary<string, string?>();
        for (var i = 1; i <= 24; i++) chosen[$"198.51.100.{i}"] = await BackendFor($"198.51.100.{i}");
        foreach (var (client, backend) in chosen) Assert.Equal(backend, await BackendFor(client));

        Assert.DoesNotContain(null, chosen.Values);
        Assert.True(chosen.Values.Distinct().Count() >= 2, "every client went to one backend: the peer (always the balancer) was hashed");
    }

    [Fact]
    public async Task SessionAffinityClientIp_UntrustedPeer_HashesThePeer()
    {
        using var http = new BoundClient(Stranger);

        var backends = new HashSet<string?>();
        for (var i = 1; i <= 12; i++)
        {
            using var response = await http.GetAsync(Edge, EdgePort, "/sticky", $"198.51.100.{i}");
            backends.Add(response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : null);
        }

        Assert.Single(backends); // the header is not believed: one peer, one backend
    }

    private static string? Echoed(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues("x-echo-h-" + header, out var values) ? string.Join(", ", values) : null;

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

/// <summary>An HttpClient whose connections come from a chosen loopback address, counting them; h2c with prior knowledge when asked for HTTP/2.</summary>
internal sealed class BoundClient : IDisposable
{
    private readonly HttpClient _http;
    private int _connections;

    public BoundClient(IPAddress source) => _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            Interlocked.Increment(ref _connections);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { Timeout = TimeSpan.FromSeconds(20) };

    public int Connections => Volatile.Read(ref _connections);

    public Task<HttpResponseMessage> GetAsync(IPAddress to, int port, string path, string? forwardedFor, Version? version = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{to}:{port}{path}");
        if (version is not null)
        {
            request.Version = version;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        if (forwardedFor is not null) request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();
}
