using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;
using static Switchyard.Proxy.Tests.Support.StatusReads;

namespace Switchyard.Proxy.Tests.TlsRoutes;

/// <summary>
/// TLSRoutes over real sockets. Passthrough: curl and HttpClient reach HTTPS Kestrel backends chosen by server name and
/// see the backends' own certificates (and ALPN) through the gateway; unknown names get an unrecognized_name alert,
/// bytes that are not TLS and routes to missing backends are closed. Terminate: the gateway's certificate, then
/// plaintext to an HTTP backend. Status: acceptance, conflicts, the wrong listener protocol, supported kinds.
/// </summary>
public sealed class TlsRouteTests : IAsyncLifetime
{
    private static readonly IPAddress TerminateAddress = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress HttpAddress = IPAddress.Parse("127.0.0.4");
    private readonly TestCertificates _ca = new();
    private KestrelBackend _a = null!, _apps = null!;
    private EchoBackend _plain = null!;
    private GatewayProxy _proxy = null!;
    private int _passthroughPort, _terminatePort;

    public async Task InitializeAsync()
    {
        _a = await KestrelBackend.StartAsync(HttpProtocols.Http1AndHttp2, c => c.Response.WriteAsync($"backend-a {c.Request.Protocol}"),
            certificate: _ca.ServerCertificate("a.example.test", ["a.example.test"]));
        _apps = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => c.Response.WriteAsync("backend-apps"),
            certificate: _ca.ServerCertificate("apps", ["*.apps.example.test", "*.b.apps.example.test"]));
        _plain = await EchoBackend.StartAsync("plain");
        var (termSecret, _) = _ca.Secret("term-tls", "default", "*.term.example.test");
        _proxy = await Manifests.StartAsync(Manifests.GatewayClass + $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: pass, namespace: default}
            spec:
              gatewayClassName: switchyard
              listeners: [{name: tls, port: 0, protocol: TLS, tls: {mode: Passthrough}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: term, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{TerminateAddress}}}}]
              listeners: [{name: tls, port: 0, protocol: TLS, tls: {mode: Terminate, certificateRefs: [{name: term-tls}]}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: web, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{HttpAddress}}}}]
              listeners: [{name: http, port: 0, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: a, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: pass}]
              hostnames: [a.example.test]
              rules: [{backendRefs: [{name: svc-a, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: late-a, namespace: default, creationTimestamp: "2026-02-01T00:00:00Z"}
            spec:
              parentRefs: [{name: pass}]
              hostnames: [a.example.test]
              rules: [{backendRefs: [{name: svc-apps, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: apps, namespace: default, creationTimestamp: "2026-01-02T00:00:00Z"}
            spec:
              parentRefs: [{name: pass}]
              hostnames: ["*.apps.example.test"]
              rules: [{backendRefs: [{name: svc-apps, port: 80}, {name: svc-a, port: 80, weight: 0}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: broken, namespace: default}
            spec:
              parentRefs: [{name: pass}]
              hostnames: [broken.example.test]
              rules: [{backendRefs: [{name: nosuch, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: term, namespace: default}
            spec:
              parentRefs: [{name: term}]
              hostnames: ["*.term.example.test"]
              rules: [{backendRefs: [{name: plain, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: on-http, namespace: default}
            spec:
              parentRefs: [{name: web}]
              hostnames: [x.example.test]
              rules: [{backendRefs: [{name: plain, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-on-tls, namespace: default}
            spec:
              parentRefs: [{name: pass}]
              rules: [{backendRefs: [{name: plain, port: 80}]}]
            ---

            """ + termSecret + Manifests.Service("svc-a", _a.Port) + Manifests.Service("svc-apps", _apps.Port) + Manifests.Service("plain", _plain.Port));
        _passthroughPort = _proxy.Listeners.Single(l => l.Key.Address.Equals(IPAddress.Loopback)).Value.Port;
        _terminatePort = _proxy.Listeners.Single(l => l.Key.Address.Equals(TerminateAddress)).Value.Port;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _a.DisposeAsync();
        await _apps.DisposeAsync();
        await _plain.DisposeAsync();
        _ca.Dispose();
    }

    [SkippableTheory]
    [InlineData("a.example.test", "CN=a.example.test", "backend-a HTTP/2")] // curl offers h2; the backend itself accepts it
    [InlineData("shop.apps.example.test", "CN=apps", "backend-apps")]
    [InlineData("a.b.apps.example.test", "CN=apps", "backend-apps")]
    public async Task Curl_Passthrough_ReachesTheBackendOfTheServerNameWithItsOwnCertificate(string host, string subject, string body)
    {
        Curl.SkipIfMissing();
        Assert.Equal(body, await _ca.CurlAsync(host, _passthroughPort, IPAddress.Loopback, "/", subject));
        // Counted when the relay ends, which may be just after curl has its answer.
        var metrics = _proxy.Runtime.Metrics;
        await Wait.UntilAsync(() => metrics.TlsConnectionCount(RouteOf(host), "forwarded") > 0, "the connection to be counted");
        Assert.True(metrics.TlsBytes(RouteOf(host), "received") > 0);
        Assert.True(metrics.TlsBytes(RouteOf(host), "sent") > 0);
    }

    [Fact]
    public async Task HttpClient_Passthrough_NegotiatesHttp2WithTheBackendItself()
    {
        using var client = _ca.Client(IPAddress.Loopback, _ => { });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://a.example.test:{_passthroughPort}/") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await client.SendAsync(request);

        Assert.Equal("backend-a HTTP/2", await response.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task Curl_UnknownServerName_GetsUnrecognizedNameAlert()
    {
        Curl.SkipIfMissing();
        var before = _proxy.Runtime.Metrics.TlsConnectionCount("", "no_route");

        var (exit, _, err) = await Curl.RunAsync("--cacert", _ca.CaFile, "--resolve", $"nope.example.test:{_passthroughPort}:127.0.0.1", $"https://nope.example.test:{_passthroughPort}/");

        Assert.NotEqual(0, exit);
        Assert.Contains("unrecognized name", err, StringComparison.OrdinalIgnoreCase);
        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.TlsConnectionCount("", "no_route") == before + 1, "the connection to be counted as unrouted");
    }

    [Fact]
    public async Task NotTls_ConnectionIsClosedWithoutAnswer()
    {
        var before = _proxy.Runtime.Metrics.TlsConnectionCount("", "not_tls");

        Assert.Equal("", await Raw.SendAsync(_passthroughPort, "GET / HTTP/1.1\r\nHost: a.example.test\r\n\r\n"));
        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.TlsConnectionCount("", "not_tls") == before + 1, "the connection to be counted as not TLS");
    }

    [Fact]
    public async Task MissingBackend_ConnectionIsRefused_AndResolvedRefsSaysWhy()
    {
        using var client = _ca.Client(IPAddress.Loopback, _ => { });

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"https://broken.example.test:{_passthroughPort}/"));
        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.TlsConnectionCount("tlsroute default/broken rule 0", "no_backend") > 0, "the connection to be counted");
        var resolved = Condition("broken", "ResolvedRefs");
        Assert.Equal(("False", "BackendNotFound"), (resolved.Status, resolved.Reason));
    }

    [SkippableFact]
    public async Task Curl_Terminate_GatewayCertificateThenPlaintextToTheBackend()
    {
        Curl.SkipIfMissing();
        var body = await _ca.CurlAsync("shop.term.example.test", _terminatePort, TerminateAddress, "/hello", "CN=*.term.example.test");

        Assert.StartsWith("plain", body, StringComparison.Ordinal);
        Assert.Equal(1, _plain.Requests);
    }

    [Fact]
    public void Status_AttachmentConflictsAndProtocols()
    {
        Assert.Equal(("True", "Accepted"), Pair(Condition("a", "Accepted")));
        Assert.Equal(("True", "ResolvedRefs"), Pair(Condition("a", "ResolvedRefs")));
        Assert.Equal(("True", "Accepted"), Pair(Condition("apps", "Accepted")));
        Assert.Equal(("True", "Accepted"), Pair(Condition("term", "Accepted")));
        // Same hostname on the same listener: the older TLSRoute keeps it.
        var late = Condition("late-a", "Accepted");
        Assert.Equal(("False", "Conflicted"), Pair(late));
        Assert.Contains("default/a", late.Message, StringComparison.Ordinal);
        Assert.Equal(("False", "UnsupportedValue"), Pair(Condition("on-http", "Accepted")));
        var http = ((HTTPRouteStatus)_proxy.Statuses.Single(s => s.Object.Metadata.Name == "http-on-tls").Status).Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "NotAllowedByListeners"), Pair(http));

        var gateway = (GatewayStatus)_proxy.Statuses.Single(s => s.Object is Gateway { Metadata.Name: "pass" }).Status;
        var listener = gateway.Listeners!.Single();
        Assert.Equal(["TLSRoute"], listener.SupportedKinds!.Select(k => k.Kind));
        Assert.Equal(3, listener.AttachedRoutes); // a, apps, broken
        Assert.Equal(["Accepted True", "Programmed True"], listener.Conditions!.Where(c => c.Type is "Accepted" or "Programmed").Select(c => $"{c.Type} {c.Status}").Order(StringComparer.Ordinal));
    }

    private static string RouteOf(string host) => host == "a.example.test" ? "tlsroute default/a rule 0" : "tlsroute default/apps rule 0";

    private k8s.Models.V1Condition Condition(string route, string type) =>
        ((TLSRouteStatus)_proxy.Statuses.Single(s => s.Object is TLSRoute && s.Object.Metadata.Name == route).Status).Parents!.Single().Conditions!.Single(c => c.Type == type);

}
