using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ProxyProtocol;

/// <summary>
/// The gateway sending the PROXY protocol to a Service's endpoints (annotation lb.switchyard.dev/proxy-protocol): to a
/// real HAProxy frontend with <c>accept-proxy</c> that answers with the source and destination it received, to a
/// recording backend that shows which connections carried which header (a kept-alive connection is reused only by the
/// client connection that opened it), through a TLSRoute in Passthrough mode and a TCPRoute, and in a chain behind HAProxy's
/// <c>send-proxy-v2</c>. A bad annotation value fails closed.
/// </summary>
public sealed class ProxyProtocolUpstreamTests
{
    private static readonly IPAddress Gateway = IPAddress.Parse("127.0.0.87");
    private static readonly IPAddress Backend = IPAddress.Parse("127.0.0.86");
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.88");
    private static readonly IPAddress ClientA = IPAddress.Parse("127.0.0.84");
    private static readonly IPAddress ClientB = IPAddress.Parse("127.0.0.89");

    private static string Yaml(string service, string gatewayAnnotations = "{}") => Manifests.GatewayClass
        + GatewayYaml.Gateway("edge", Gateway, gatewayAnnotations)
        + GatewayYaml.HttpRoute("site", "site", "edge")
        + service;

    private static byte[] Get(string path = "/", bool close = true) =>
        ProxyProtocolClient.Ascii($"GET {path} HTTP/1.1\r\nHost: site.example\r\n{(close ? "Connection: close\r\n" : "")}\r\n");

    /// <summary>Sends <see cref="Get"/> from <see cref="ClientA"/> to the gateway's port; what came back, and the client's port.</summary>
    private static async Task<(string Response, int ClientPort)> GetFromClientAAsync(int gatewayPort)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(ClientA, 0));
        await socket.ConnectAsync(Gateway, gatewayPort);
        await socket.SendAsync(Get());
        var (response, _) = await ProxyProtocolClient.ReadAsync(socket, 5);
        return (response, ((IPEndPoint)socket.LocalEndPoint!).Port);
    }

    /// <summary>HAProxy on <see cref="Backend"/> accepting the PROXY protocol and answering with what it carried.</summary>
    private static async Task<(HaProxy HaProxy, int Port)> AcceptingHaProxyAsync()
    {
        var port = HaProxy.FreePort(Backend);
        var haproxy = await HaProxy.StartAsync($"""
            frontend pp
                mode http
                bind {Backend}:{port} accept-proxy
                http-request return status 200 content-type text/plain lf-string "src=%[src]:%[src_port] dst=%[dst]:%[dst_port]"
            """, new IPEndPoint(Backend, port));
        return (haproxy, port);
    }

    [SkippableTheory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task HaProxyAcceptProxy_SeesClientAndGatewayAddresses(string version)
    {
        HaProxy.SkipIfMissing();
        var (haproxy, port) = await AcceptingHaProxyAsync();
        await using var _ = haproxy;
        await using var proxy = await Manifests.StartAsync(Yaml(GatewayYaml.Service("site", Backend, port, $"{{lb.switchyard.dev/proxy-protocol: {version}}}")));
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;

        var (response, clientPort) = await GetFromClientAAsync(gatewayPort);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal($"src={ClientA}:{clientPort} dst={Gateway}:{gatewayPort}", ProxyProtocolClient.Body(response));
    }

    [SkippableFact]
    public async Task Chain_HaProxySendProxyV2_Gateway_HaProxyAcceptProxy_SeesCurlsAddress()
    {
        HaProxy.SkipIfMissing();
        Curl.SkipIfMissing();
        var (backend, backendPort) = await AcceptingHaProxyAsync();
        await using var _ = backend;
        await using var proxy = await Manifests.StartAsync(Yaml(GatewayYaml.Service("site", Backend, backendPort, "{lb.switchyard.dev/proxy-protocol: v2}"), "{gateway.switchyard.dev/proxy-protocol: \"true\"}"));
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;
        var frontPort = HaProxy.FreePort(Balancer);
        await using var front = await HaProxy.StartAsync($"""
            frontend lb
                mode tcp
                bind {Balancer}:{frontPort}
                default_backend gateway

            backend gateway
                mode tcp
                server gw {Gateway}:{gatewayPort} send-proxy-v2
            """, new IPEndPoint(Balancer, frontPort));

        var (exit, output, error) = await Curl.RunAsync("--interface", "127.0.0.85", "-H", "Host: site.example", $"http://{Balancer}:{frontPort}/");

        Assert.True(exit == 0, $"curl: {error}");
        Assert.StartsWith("src=127.0.0.85:", output);
        Assert.EndsWith($" dst={Balancer}:{frontPort}", output); // the address curl reached, as the front HAProxy's header said
    }

    [Fact]
    public async Task KeptAliveConnections_ReusedOnlyByTheClientConnectionThatOpenedThem()
    {
        await using var backend = new ProxyProtocolBackend(Backend);
        await using var proxy = await Manifests.StartAsync(Yaml(GatewayYaml.Service("site", Backend, backend.Port, "{lb.switchyard.dev/proxy-protocol: v2}")));
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;
        using var a = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        a.Bind(new IPEndPoint(ClientA, 0));
        await a.ConnectAsync(Gateway, gatewayPort);
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        b.Bind(new IPEndPoint(ClientB, 0));
        await b.ConnectAsync(Gateway, gatewayPort);
        var expectA = ProxyProtocolBackend.V2Hex((IPEndPoint)a.LocalEndPoint!, new IPEndPoint(Gateway, gatewayPort));
        var expectB = ProxyProtocolBackend.V2Hex((IPEndPoint)b.LocalEndPoint!, new IPEndPoint(Gateway, gatewayPort));

        var answers = new List<string>();
        foreach (var (socket, path) in new[] { (a, "/1"), (a, "/2"), (b, "/3"), (a, "/4"), (b, "/5") })
        {
            await socket.SendAsync(Get(path, close: false));
            answers.Add(ProxyProtocolClient.Body((await ProxyProtocolClient.ReadAsync(socket, 5)).Received));
        }

        Assert.Equal([expectA, expectA, expectB, expectA, expectB], answers);
        Assert.Equal([expectA, expectB], backend.Headers); // one upstream connection per client connection, each reused
    }

    [Fact]
    public async Task ClientConnectionCloses_ItsUpstreamConnectionIsNotReusedByAnother()
    {
        await using var backend = new ProxyProtocolBackend(Backend);
        await using var proxy = await Manifests.StartAsync(Yaml(GatewayYaml.Service("site", Backend, backend.Port, "{lb.switchyard.dev/proxy-protocol: v1}")));
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;

        var first = await ProxyProtocolClient.ExchangeAsync(ClientA, Gateway, gatewayPort, Get());
        var second = await ProxyProtocolClient.ExchangeAsync(ClientA, Gateway, gatewayPort, Get());

        Assert.StartsWith($"PROXY TCP4 {ClientA} {Gateway} ", ProxyProtocolClient.Body(first.Received));
        Assert.EndsWith($" {gatewayPort}", ProxyProtocolClient.Body(first.Received));
        Assert.NotEqual(ProxyProtocolClient.Body(first.Received), ProxyProtocolClient.Body(second.Received)); // another source port: another upstream connection
        Assert.Equal(2, backend.Headers.Count);
    }

    [SkippableFact]
    public async Task H2cBackend_ClientBoundConnections_CarryEachClientsHeader()
    {
        HaProxy.SkipIfMissing();
        var port = HaProxy.FreePort(Backend);
        await using var haproxy = await HaProxy.StartAsync($"""
            frontend pp
                mode http
                bind {Backend}:{port} accept-proxy proto h2
                http-request return status 200 content-type text/plain lf-string "src=%[src] proto=%[req.ver]"
            """, new IPEndPoint(Backend, port));
        await using var proxy = await Manifests.StartAsync(Yaml(GatewayYaml.Service("site", Backend, port, "{lb.switchyard.dev/proxy-protocol: v2}", ", appProtocol: kubernetes.io/h2c")));
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;

        var a = await ProxyProtocolClient.ExchangeAsync(ClientA, Gateway, gatewayPort, Get());
        var b = await ProxyProtocolClient.ExchangeAsync(ClientB, Gateway, gatewayPort, Get());

        Assert.Equal($"src={ClientA} proto=2.0", ProxyProtocolClient.Body(a.Received));
        Assert.Equal($"src={ClientB} proto=2.0", ProxyProtocolClient.Body(b.Received));
    }

    [SkippableFact]
    public async Task H2cBackends_SamePortOnTwoAddresses_EachRequestReachesItsOwnBackend()
    {
        HaProxy.SkipIfMissing();
        var other = IPAddress.Parse("127.0.0.90");
        var port = HaProxy.FreePort(Backend);
        await using var haproxy = await HaProxy.StartAsync($"""
            frontend a
                mode http
                bind {Backend}:{port} accept-proxy proto h2
                http-request return status 200 content-type text/plain string "a"

            frontend b
                mode http
                bind {other}:{port} accept-proxy proto h2
                http-request return status 200 content-type text/plain string "b"
            """, new IPEndPoint(other, port));
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Gateway)
            + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: site, namespace: default}
            spec:
              parentRefs: [{name: edge}]
              rules:
              - {matches: [{path: {type: PathPrefix, value: /a}}], backendRefs: [{name: svc-a, port: 80}]}
              - {matches: [{path: {type: PathPrefix, value: /b}}], backendRefs: [{name: svc-b, port: 80}]}
            ---

            """
            + GatewayYaml.Service("svc-a", Backend, port, "{lb.switchyard.dev/proxy-protocol: v2}", ", appProtocol: kubernetes.io/h2c")
            + GatewayYaml.Service("svc-b", other, port, "{lb.switchyard.dev/proxy-protocol: v2}", ", appProtocol: kubernetes.io/h2c"));
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(ClientA, 0));
        await socket.ConnectAsync(Gateway, gatewayPort);

        var answers = new List<string>();
        foreach (var path in (string[])["/a", "/b", "/a"])
        {
            await socket.SendAsync(Get(path, close: false));
            answers.Add(ProxyProtocolClient.Body((await ProxyProtocolClient.ReadAsync(socket, 5)).Received));
        }

        // One client connection, two endpoints on the same port: each needs a connection of its own.
        Assert.Equal(["a", "b", "a"], answers);
    }

    /// <summary>
    /// A Gateway "edge" with <paramref name="listener"/> and a route of <paramref name="kind"/> (TLSRoute or TCPRoute, with
    /// <paramref name="hostnames"/>, ", hostnames: [...]" or "") to Service site, whose endpoint <paramref name="backend"/>
    /// gets the PROXY protocol <paramref name="version"/>.
    /// </summary>
    private static Task<GatewayProxy> StartRouteAsync(string kind, string listener, string hostnames, ProxyProtocolBackend backend, string version, string gatewayAnnotations = "{}") =>
        Manifests.StartAsync(Manifests.GatewayClass + GatewayYaml.Gateway("edge", Gateway, gatewayAnnotations, listener) + $$"""
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: {{kind}}
            metadata: {name: db, namespace: default}
            spec: {parentRefs: [{name: edge}]{{hostnames}}, rules: [{backendRefs: [{name: site, port: 80}]}]}
            ---

            """ + GatewayYaml.Service("site", Backend, backend.Port, $"{{lb.switchyard.dev/proxy-protocol: {version}}}"));

    [Fact]
    public async Task TlsRoutePassthrough_HeaderBeforeTheClientHello_CarriesTheAcceptedClientAddress()
    {
        await using var backend = new ProxyProtocolBackend(Backend) { RawAfterHeader = true };
        await using var proxy = await StartRouteAsync("TLSRoute", "{name: l, port: 0, protocol: TLS, tls: {mode: Passthrough}}", ", hostnames: [db.example.test]", backend, "v2",
            gatewayAnnotations: "{gateway.switchyard.dev/proxy-protocol: \"true\"}");
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Gateway, gatewayPort);
        await socket.SendAsync(ProxyProtocolClient.V2(new IPEndPoint(IPAddress.Parse("198.51.100.20"), 5555), new IPEndPoint(IPAddress.Parse("203.0.113.1"), 443)));
        await using var tls = new SslStream(new NetworkStream(socket), leaveInnerStreamOpen: true);
        using var handshake = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var attempt = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "db.example.test" }, handshake.Token);

        await Wait.UntilAsync(() => { lock (backend.After) return backend.After.Count == 1; }, "the endpoint received the header and the ClientHello");

        Assert.Equal([ProxyProtocolBackend.V2Hex(new IPEndPoint(IPAddress.Parse("198.51.100.20"), 5555), new IPEndPoint(IPAddress.Parse("203.0.113.1"), 443))], backend.Headers);
        Assert.Equal(0x16, backend.After[0][0]); // a TLS handshake record follows the header
        await Assert.ThrowsAnyAsync<Exception>(() => attempt);
    }

    [Fact]
    public async Task TcpRoute_HeaderBeforeTheClientsBytes_CarriesTheClientAndGatewayAddresses()
    {
        await using var backend = new ProxyProtocolBackend(Backend);
        await using var proxy = await StartRouteAsync("TCPRoute", "{name: db, port: 0, protocol: TCP}", "", backend, "v1");
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;

        // The backend answers each HTTP request head it reads after the header with the header it got.
        var (response, clientPort) = await GetFromClientAAsync(gatewayPort);

        var expected = $"PROXY TCP4 {ClientA} {Gateway} {clientPort} {gatewayPort}";
        Assert.Equal(expected, ProxyProtocolClient.Body(response));
        Assert.Equal([expected], backend.Headers);
        await backend.DisposeAsync(); // its end of the relay closes, so the gateway need not wait to stop
    }

    [Fact]
    public async Task BadAnnotationValue_FailsClosed_500NamingTheField()
    {
        await using var backend = new ProxyProtocolBackend(Backend);
        await using var proxy = await Manifests.StartAsync(Yaml(GatewayYaml.Service("site", Backend, backend.Port, "{lb.switchyard.dev/proxy-protocol: V3}")));
        var gatewayPort = proxy.Listeners[new IPEndPoint(Gateway, 0)].Port;

        var (response, _) = await ProxyProtocolClient.ExchangeAsync(ClientA, Gateway, gatewayPort, Get());

        const string Error = "service default/site: metadata.annotations[lb.switchyard.dev/proxy-protocol]: 'V3' is not one of v1, v2";
        Assert.StartsWith("HTTP/1.1 500", response);
        Assert.Equal($"route httproute default/site rule 0: backend default/site:80: {Error}", ProxyProtocolClient.Header(response, "x-switchyard-error"));
        Assert.Contains(Error, proxy.Warnings);
        Assert.Empty(backend.Headers);
    }
}
