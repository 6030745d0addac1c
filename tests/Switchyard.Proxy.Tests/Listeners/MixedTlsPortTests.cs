using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>
/// HTTPS and TLS listeners (both modes) on one address and port, over real sockets: the ClientHello's server name
/// picks the listener. The HTTPS name gets the gateway's certificate (from a kubernetes.io/tls Secret) and the HTTP
/// backend, over HTTP/1.1 and HTTP/2; the passthrough name reaches its backend's own certificate; the terminate name
/// gets the gateway's certificate without ALPN, then plaintext to its backend; names no listener has, and no name, go
/// to the listener without hostname, or (none) to HTTPS, or (none) are refused. A ListenerSet's TLS listener joins a
/// Gateway's HTTPS port. Status: the group is not a conflict; HTTP with HTTPS on one port still is, and so are an HTTPS
/// and a TLS listener with one hostname (a Gateway's own, or a ListenerSet's against the Gateway's).
/// </summary>
public sealed class MixedTlsPortTests : IAsyncLifetime
{
    /// <summary>HTTPS app.example.test and TLS Passthrough db.example.test, neither without hostname.</summary>
    private static readonly IPAddress EdgeAddress = IPAddress.Parse("127.0.0.21");

    /// <summary>HTTPS app.example.test and a TLS Passthrough listener without hostname.</summary>
    private static readonly IPAddress CatchAllAddress = IPAddress.Parse("127.0.0.22");

    /// <summary>HTTPS app.example.test, TLS Passthrough db.example.test and TLS Terminate *.term.example.test.</summary>
    private static readonly IPAddress AllAddress = IPAddress.Parse("127.0.0.25");

    /// <summary>TLS listeners of both modes (TLSRouteModeMixed): Passthrough db.example.test, Terminate *.term.example.test.</summary>
    private static readonly IPAddress ModesAddress = IPAddress.Parse("127.0.0.26");

    /// <summary>TLS Terminate *.term.example.test alone, to compare.</summary>
    private static readonly IPAddress TermOnlyAddress = IPAddress.Parse("127.0.0.27");

    /// <summary>A Gateway's HTTPS app.example.test, and a ListenerSet's TLS Passthrough db.example.test (and app.example.test: a conflict).</summary>
    private static readonly IPAddress SharedAddress = IPAddress.Parse("127.0.0.28");

    /// <summary>A conflict: HTTP with HTTPS.</summary>
    private static readonly IPAddress ClashAddress = IPAddress.Parse("127.0.0.23");

    /// <summary>A conflict: HTTPS with TLS naming the same host.</summary>
    private static readonly IPAddress SameNameAddress = IPAddress.Parse("127.0.0.24");

    private readonly TestCertificates _ca = new();
    private KestrelBackend _db = null!;
    private EchoBackend _app = null!, _plain = null!;
    private GatewayProxy _proxy = null!;
    private int _edgePort, _catchAllPort, _allPort, _modesPort, _termOnlyPort, _sharedPort;
    private string _appSerial = "";

    public async Task InitializeAsync()
    {
        _db = await KestrelBackend.StartAsync(HttpProtocols.Http1AndHttp2, c => c.Response.WriteAsync($"db {c.Request.Protocol}"),
            certificate: _ca.ServerCertificate("db.example.test", ["db.example.test"]));
        _app = await EchoBackend.StartAsync("app");
        _plain = await EchoBackend.StartAsync("plain");
        var (termSecret, _) = _ca.Secret("term-tls", "default", "*.term.example.test");
        (var appSecret, _appSerial) = _ca.Secret("app-tls", "default", "app.example.test");
        _proxy = await Manifests.StartAsync(Manifests.GatewayClass + $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{EdgeAddress}}}}]
              listeners:
              - {name: https, port: 0, protocol: HTTPS, hostname: app.example.test, tls: {certificateRefs: [{name: app-tls}]}}
              - {name: tls, port: 0, protocol: TLS, hostname: db.example.test, tls: {mode: Passthrough}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: catchall, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{CatchAllAddress}}}}]
              listeners:
              - {name: https, port: 0, protocol: HTTPS, hostname: app.example.test, tls: {certificateRefs: [{name: app-tls}]}}
              - {name: tls, port: 0, protocol: TLS, tls: {mode: Passthrough}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: all, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{AllAddress}}}}]
              listeners:
              - {name: https, port: 0, protocol: HTTPS, hostname: app.example.test, tls: {certificateRefs: [{name: app-tls}]}}
              - {name: pass, port: 0, protocol: TLS, hostname: db.example.test, tls: {mode: Passthrough}}
              - {name: term, port: 0, protocol: TLS, hostname: "*.term.example.test", tls: {mode: Terminate, certificateRefs: [{name: term-tls}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: modes, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{ModesAddress}}}}]
              listeners:
              - {name: pass, port: 0, protocol: TLS, hostname: db.example.test, tls: {mode: Passthrough}}
              - {name: term, port: 0, protocol: TLS, hostname: "*.term.example.test", tls: {mode: Terminate, certificateRefs: [{name: term-tls}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: term-only, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{TermOnlyAddress}}}}]
              listeners:
              - {name: term, port: 0, protocol: TLS, hostname: "*.term.example.test", tls: {mode: Terminate, certificateRefs: [{name: term-tls}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: shared, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{SharedAddress}}}}]
              allowedListeners: {namespaces: {from: Same}}
              listeners:
              - {name: https, port: 0, protocol: HTTPS, hostname: app.example.test, tls: {certificateRefs: [{name: app-tls}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: team, namespace: default}
            spec:
              parentRef: {name: shared}
              listeners:
              - {name: pass, port: 0, protocol: TLS, hostname: db.example.test, tls: {mode: Passthrough}}
              - {name: dup, port: 0, protocol: TLS, hostname: app.example.test, tls: {mode: Passthrough}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: db-team, namespace: default}
            spec:
              parentRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: team}]
              hostnames: [db.example.test, app.example.test]
              rules: [{backendRefs: [{name: db, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: clash, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{ClashAddress}}}}]
              listeners:
              - {name: http, port: 0, protocol: HTTP}
              - {name: https, port: 0, protocol: HTTPS, hostname: app.example.test, tls: {certificateRefs: [{name: app-tls}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: same-name, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{SameNameAddress}}}}]
              listeners:
              - {name: https-app, port: 0, protocol: HTTPS, hostname: app.example.test, tls: {certificateRefs: [{name: app-tls}]}}
              - {name: tls-app, port: 0, protocol: TLS, hostname: app.example.test, tls: {mode: Passthrough}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: app, namespace: default}
            spec:
              parentRefs: [{name: edge}, {name: catchall}, {name: all}]
              rules: [{backendRefs: [{name: app, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: db, namespace: default}
            spec:
              parentRefs: [{name: edge}, {name: catchall}]
              hostnames: ["*.example.test"]
              rules: [{backendRefs: [{name: db, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: db-exact, namespace: default}
            spec:
              parentRefs: [{name: all}, {name: modes}]
              hostnames: [db.example.test]
              rules: [{backendRefs: [{name: db, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: term, namespace: default}
            spec:
              parentRefs: [{name: all}, {name: modes}, {name: term-only}]
              hostnames: ["*.term.example.test"]
              rules: [{backendRefs: [{name: plain, port: 80}]}]
            ---

            """ + appSecret + termSecret + Manifests.Service("app", _app.Port) + Manifests.Service("db", _db.Port) + Manifests.Service("plain", _plain.Port));
        _edgePort = _proxy.Listeners.Single(l => l.Key.Address.Equals(EdgeAddress)).Value.Port;
        _catchAllPort = _proxy.Listeners.Single(l => l.Key.Address.Equals(CatchAllAddress)).Value.Port;
        _allPort = _proxy.Listeners.Single(l => l.Key.Address.Equals(AllAddress)).Value.Port;
        _modesPort = _proxy.Listeners.Single(l => l.Key.Address.Equals(ModesAddress)).Value.Port;
        _termOnlyPort = _proxy.Listeners.Single(l => l.Key.Address.Equals(TermOnlyAddress)).Value.Port;
        _sharedPort = _proxy.Listeners.Single(l => l.Key.Address.Equals(SharedAddress)).Value.Port;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _db.DisposeAsync();
        await _app.DisposeAsync();
        await _plain.DisposeAsync();
        _ca.Dispose();
    }

    [SkippableTheory]
    [InlineData("edge", "app.example.test", "CN=app.example.test", "app ")] // the gateway's certificate, then the HTTPRoute
    [InlineData("edge", "db.example.test", "CN=db.example.test", "db HTTP/2")] // the backend's own certificate; curl and the backend agree on h2
    [InlineData("all", "app.example.test", "CN=app.example.test", "app ")]
    [InlineData("all", "db.example.test", "CN=db.example.test", "db HTTP/2")]
    [InlineData("all", "shop.term.example.test", "CN=*.term.example.test", "plain ")] // the gateway's certificate, then curl's HTTP/1.1 as plaintext
    [InlineData("modes", "db.example.test", "CN=db.example.test", "db HTTP/2")]
    [InlineData("modes", "shop.term.example.test", "CN=*.term.example.test", "plain ")]
    [InlineData("term-only", "shop.term.example.test", "CN=*.term.example.test", "plain ")]
    public async Task Curl_ServerNamePicksTheListener(string gateway, string host, string subject, string body)
    {
        Curl.SkipIfMissing();
        var (address, port) = Port(gateway);

        Assert.Equal(body, await _ca.CurlAsync(host, port, address, "/", subject));
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task HttpClient_HttpsName_ServedByTheGatewayInTheVersionAlpnChose(string version)
    {
        var serial = "";
        using var client = _ca.Client(EdgeAddress, s => serial = s);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://app.example.test:{_edgePort}/hello")
        {
            Version = Version.Parse(version),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        Assert.Equal("app", response.Headers.GetValues("x-backend").Single());
        Assert.Equal(_appSerial, serial); // the gateway's certificate, from the Secret
    }

    [Fact]
    public async Task HttpClient_PassthroughName_NegotiatesHttp2WithTheBackendItself()
    {
        var metrics = _proxy.Runtime.Metrics;
        var before = metrics.TlsConnectionCount("tlsroute default/db rule 0", "forwarded");
        using (var client = _ca.Client(EdgeAddress, _ => { }))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"https://db.example.test:{_edgePort}/")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };

            using var response = await client.SendAsync(request);

            Assert.Equal("db HTTP/2", await response.Content.ReadAsStringAsync());
        }
        // Counted by the TLSRoute proxy when the relay ends: once the client has closed its connection.
        await Wait.UntilAsync(() => metrics.TlsConnectionCount("tlsroute default/db rule 0", "forwarded") > before, "the passthrough connection to be counted");
    }

    /// <summary>
    /// Which certificate a TLS client sees for a server name (null: none) on each port. With no listener without
    /// hostname, unknown names and no name get the HTTPS side (the gateway's certificate); with a TLS listener without
    /// hostname, they go through to the TLSRoutes (a wildcard route reaches the backend; no name, no route: refused).
    /// </summary>
    /// <summary>
    /// Which certificate a TLS client offering h2 and http/1.1 sees for a server name (null: none) on each port, and
    /// the ALPN protocol it negotiates. With no listener without hostname, unknown names and no name get the HTTPS side
    /// (the gateway's certificate); with a TLS listener without hostname, they go through to the TLSRoutes (a wildcard
    /// route reaches the backend; no name, no route: refused); with TLS listeners only, they are refused. TLS Terminate
    /// names negotiate no ALPN: the bytes after the handshake are the application's own protocol.
    /// </summary>
    [Theory]
    [InlineData("edge", "app.example.test", "CN=app.example.test h2")]
    [InlineData("edge", "db.example.test", "CN=db.example.test h2")]
    [InlineData("edge", "other.example.test", "CN=app.example.test h2")]
    [InlineData("edge", null, "CN=app.example.test h2")]
    [InlineData("catchall", "app.example.test", "CN=app.example.test h2")]
    [InlineData("catchall", "db.example.test", "CN=db.example.test h2")]
    [InlineData("catchall", "other.example.test", "CN=db.example.test h2")]
    [InlineData("catchall", null, "refused")]
    [InlineData("all", "app.example.test", "CN=app.example.test h2")]
    [InlineData("all", "db.example.test", "CN=db.example.test h2")]
    [InlineData("all", "a.term.example.test", "CN=*.term.example.test none")]
    [InlineData("all", "other.example.test", "CN=app.example.test h2")]
    [InlineData("modes", "db.example.test", "CN=db.example.test h2")]
    [InlineData("modes", "a.term.example.test", "CN=*.term.example.test none")]
    [InlineData("modes", "other.example.test", "refused")]
    [InlineData("modes", null, "refused")]
    [InlineData("term-only", "a.term.example.test", "CN=*.term.example.test none")]
    [InlineData("shared", "app.example.test", "CN=app.example.test h2")] // the Gateway's listener keeps its name
    [InlineData("shared", "db.example.test", "CN=db.example.test h2")] // the ListenerSet's passthrough listener
    public async Task Handshake_ServerName_CertificateAndAlpnOfTheListenerItSelects(string gateway, string? serverName, string expected)
    {
        var (address, port) = Port(gateway);

        Assert.Equal(expected, await HandshakeAsync(address, port, serverName));
    }

    [SkippableFact]
    public async Task Curl_HttpsNameWithAnotherHost_GetsNotFoundFromTheGateway()
    {
        Curl.SkipIfMissing();
        var url = $"https://app.example.test:{_edgePort}/";
        var before = _app.Requests;

        // The connection is the HTTPS listener's (SNI app); its routes do not name db, whatever the passthrough listener holds.
        var (exit, status, err) = await Curl.RunAsync("--cacert", _ca.CaFile, "--resolve", $"app.example.test:{_edgePort}:{EdgeAddress}",
            "-H", "Host: db.example.test", "-o", "/dev/null", "-w", "%{http_code}", url);

        Assert.True(exit == 0, err);
        Assert.Equal("404", status);
        Assert.Equal(before, _app.Requests);
    }

    [Fact]
    public async Task NotTls_ConnectionIsClosedWithoutAnswer()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(EdgeAddress, _edgePort);
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\n"u8.ToArray());
        var buffer = new byte[1024];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);

        Assert.Equal(0, read);
    }

    [Theory]
    [InlineData("edge", "https")]
    [InlineData("all", "https")]
    [InlineData("modes", "tls")]
    public void Scheme_SharedPort_HttpsWhenAnHttpsListenerIsInIt(string gateway, string expected)
    {
        var (address, _) = Port(gateway);

        Assert.Equal(expected, _proxy.Scheme(new IPEndPoint(address, 0)));
    }

    [Fact]
    public void Status_TheGroupIsServed_ConflictsAreNot()
    {
        var edge = Listeners("edge");
        Assert.All(edge, l =>
        {
            Assert.Equal(("True", "Accepted"), Pair(l, "Accepted"));
            Assert.Equal(("True", "Programmed"), Pair(l, "Programmed"));
            Assert.DoesNotContain(l.Conditions!, c => c.Type == "Conflicted" && c.Status == "True");
            Assert.Equal(1, l.AttachedRoutes);
        });
        Assert.Equal(["HTTPRoute", "GRPCRoute"], edge.Single(l => l.Name == "https").SupportedKinds!.Select(k => k.Kind));
        Assert.Equal(["TLSRoute"], edge.Single(l => l.Name == "tls").SupportedKinds!.Select(k => k.Kind));
        Assert.All(Listeners("catchall"), l => Assert.Equal(("True", "Programmed"), Pair(l, "Programmed")));
        Assert.All(Listeners("all").Concat(Listeners("modes")), l =>
        {
            Assert.Equal(("True", "Programmed"), Pair(l, "Programmed"));
            Assert.DoesNotContain(l.Conditions!, c => c.Type == "Conflicted" && c.Status == "True");
            Assert.Equal(1, l.AttachedRoutes);
        });

        var clash = Listeners("clash");
        Assert.Equal(("True", "Programmed"), Pair(clash.Single(l => l.Name == "http"), "Programmed"));
        var https = clash.Single(l => l.Name == "https");
        Assert.Equal(("True", "ProtocolConflict"), Pair(https, "Conflicted"));
        Assert.Equal(("False", "Invalid"), Pair(https, "Programmed"));

        var team = ((ListenerSetStatus)_proxy.Statuses.Single(s => s.Object is ListenerSet).Status).Listeners!;
        Assert.Equal(("True", "Programmed"), Pair(team.Single(l => l.Name == "pass"), "Programmed"));
        var dup = team.Single(l => l.Name == "dup");
        Assert.Equal(("True", "HostnameConflict"), Pair(dup, "Conflicted"));
        Assert.Equal("TLS (Passthrough) port 0 with hostname app.example.test is already served for listener https of Gateway default/shared",
            dup.Conditions!.Single(c => c.Type == "Conflicted").Message);

        var sameName = Listeners("same-name");
        Assert.Equal(("True", "Programmed"), Pair(sameName.Single(l => l.Name == "https-app"), "Programmed"));
        var tls = sameName.Single(l => l.Name == "tls-app");
        Assert.Equal(("True", "HostnameConflict"), Pair(tls, "Conflicted"));
        Assert.Equal(("False", "Invalid"), Pair(tls, "Programmed"));
        Assert.Contains("listener https-app of Gateway default/same-name", tls.Conditions!.Single(c => c.Type == "Conflicted").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_RoutesAreAcceptedThroughTheirOwnListeners()
    {
        var tls = _proxy.Statuses.Where(s => s.Object is TLSRoute).SelectMany(s => ((TLSRouteStatus)s.Status).Parents!).ToList();
        Assert.Equal(8, tls.Count); // db: edge, catchall; db-exact: all, modes; term: all, modes, term-only; db-team: team
        Assert.All(tls, p => Assert.Equal("True", p.Conditions!.Single(c => c.Type == "Accepted").Status));
        var app = ((HTTPRouteStatus)_proxy.Statuses.Single(s => s.Object is HTTPRoute).Status).Parents!;
        Assert.All(app, p => Assert.Equal("True", p.Conditions!.Single(c => c.Type == "Accepted").Status));
    }

    /// <summary>
    /// The subject of the certificate a TLS client offering h2 and http/1.1 is shown for <paramref name="serverName"/>
    /// (null: no SNI) and the protocol negotiated ("none" when none was), or "refused".
    /// </summary>
    private static async Task<string> HandshakeAsync(IPAddress address, int port, string? serverName)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address, port);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        X509Certificate? seen = null;
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName ?? address.ToString(), // an IP address: .NET sends no SNI
                ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    seen = certificate;
                    return certificate is not null; // which certificate is shown is the question here, not whether it is trusted
                },
            }, limit.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return seen is null ? "refused" : $"refused after {seen.Subject}";
        }
        var alpn = tls.NegotiatedApplicationProtocol.Protocol.Length == 0 ? "none" : tls.NegotiatedApplicationProtocol.ToString();
        return $"{seen?.Subject ?? "no certificate"} {alpn}";
    }

    private (IPAddress, int) Port(string gateway) => gateway switch
    {
        "edge" => (EdgeAddress, _edgePort),
        "catchall" => (CatchAllAddress, _catchAllPort),
        "all" => (AllAddress, _allPort),
        "term-only" => (TermOnlyAddress, _termOnlyPort),
        "shared" => (SharedAddress, _sharedPort),
        _ => (ModesAddress, _modesPort),
    };

    private List<ListenerStatus> Listeners(string gateway) =>
        [.. ((GatewayStatus)_proxy.Statuses.Single(s => s.Object is Gateway && s.Object.Metadata.Name == gateway).Status).Listeners!];

    private static (string, string) Pair(ListenerStatus listener, string type) =>
        listener.Conditions!.Single(c => c.Type == type) is var c ? (c.Status, c.Reason) : default;
}
