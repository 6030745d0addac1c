using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Proxy.TlsRoutes;

namespace Switchyard.Proxy.Tests.TlsRoutes;

/// <summary>
/// TLSRoute edge cases: listeners sharing a port (the most specific listener hostname wins a server name), both TLS
/// modes on one port (neither serves), a route losing some of its hostnames, a client that never finishes its
/// ClientHello, a client that leaves mid-relay, and the endpoints' in-flight counts afterwards.
/// </summary>
public sealed class TlsRouteEdgeTests
{
    private static string Gateway(string listeners) => Manifests.GatewayClass + $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          gatewayClassName: switchyard
          listeners: {{listeners}}
        ---

        """;

    private static string Route(string name, string created, string section, string hosts, string backend) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata: {name: {{name}}, namespace: default, creationTimestamp: "{{created}}"}
        spec:
          parentRefs: [{name: edge, sectionName: {{section}}}]
          hostnames: {{hosts}}
          rules: [{backendRefs: [{name: {{backend}}, port: 80}]}]
        ---

        """;

    private static TLSRouteStatus Status(GatewayProxy proxy, string route) =>
        (TLSRouteStatus)proxy.Statuses.Single(s => s.Object is TLSRoute && s.Object.Metadata.Name == route).Status;

    private static k8s.Models.V1Condition Accepted(GatewayProxy proxy, string route) => Status(proxy, route).Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");

    [Fact]
    public async Task SharedPort_MostSpecificListenerWinsTheServerName_OlderRouteLosesIt()
    {
        using var ca = new TestCertificates();
        await using var general = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => c.Response.WriteAsync("general"),
            certificate: ca.ServerCertificate("a", ["a.example.test", "c.example.test"]));
        await using var specific = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => c.Response.WriteAsync("specific"),
            certificate: ca.ServerCertificate("a", ["a.example.test"]));
        await using var proxy = await Manifests.StartAsync(
            Gateway("[{name: any, port: 0, protocol: TLS, tls: {mode: Passthrough}}, {name: exact, port: 0, protocol: TLS, hostname: a.example.test, tls: {mode: Passthrough}}]")
            + Route("old", "2026-01-01T00:00:00Z", "any", "[a.example.test]", "general")
            + Route("new", "2026-02-01T00:00:00Z", "exact", "[a.example.test]", "specific")
            + Route("both", "2026-03-01T00:00:00Z", "any", "[a.example.test, c.example.test]", "general")
            + Manifests.Service("general", general.Port) + Manifests.Service("specific", specific.Port));
        var port = Manifests.Port(proxy);

        using (var client = ca.Client(IPAddress.Loopback, _ => { }))
        {
            Assert.Equal("specific", await client.GetStringAsync($"https://a.example.test:{port}/"));
            Assert.Equal("general", await client.GetStringAsync($"https://c.example.test:{port}/"));
        }

        Assert.Equal("True", Accepted(proxy, "new").Status);
        var old = Accepted(proxy, "old");
        Assert.Equal(("False", "Conflicted"), (old.Status, old.Reason));
        Assert.Contains("a.example.test (served by TLSRoute default/new through listener exact)", old.Message, StringComparison.Ordinal);
        var both = Accepted(proxy, "both");
        Assert.Equal("True", both.Status);
        Assert.Contains("hostnames taken on listener any: not a.example.test (served by TLSRoute default/new", both.Message, StringComparison.Ordinal);
        // Every relay has ended: no endpoint is left counted as in use.
        await Wait.UntilAsync(() => proxy.Runtime.Endpoints.All.All(e => e.InFlight == 0), "the endpoints' in-flight counts to return to 0");
    }

    [Fact]
    public async Task BothTlsModesOnOnePort_BothWithoutHostname_TheLaterIsAHostnameConflict()
    {
        using var ca = new TestCertificates();
        var (secret, _) = ca.Secret("edge-tls", "default", "t.example.test");
        await using var proxy = await Manifests.StartAsync(
            Gateway("[{name: pass, port: 0, protocol: TLS, tls: {mode: Passthrough}}, {name: term, port: 0, protocol: TLS, tls: {mode: Terminate, certificateRefs: [{name: edge-tls}]}}]")
            + secret);

        var status = (GatewayStatus)proxy.Statuses.Single(s => s.Object is Gateway).Status;
        var pass = status.Listeners!.Single(l => l.Name == "pass");
        Assert.DoesNotContain(pass.Conditions!, c => c.Type == "Conflicted");
        Assert.Equal("True", pass.Conditions!.Single(c => c.Type == "Programmed").Status);
        var term = status.Listeners!.Single(l => l.Name == "term");
        var conflicted = term.Conditions!.Single(c => c.Type == "Conflicted");
        Assert.Equal(("True", "HostnameConflict"), (conflicted.Status, conflicted.Reason));
        Assert.Equal("False", term.Conditions!.Single(c => c.Type == "Programmed").Status);
        Assert.Single(proxy.Listeners);
    }

    [Fact]
    public async Task ClientHelloNeverCompleted_ClosedAfterTheHelloTimeout()
    {
        var hello = await ClientHelloTests.CaptureAsync("slow.example.test");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var objects = new Model.Manifests.ManifestReader(new Model.Manifests.ManifestReaderOptions { Validate = false })
            .ReadText("t.yaml", Gateway("[{name: tls, port: 0, protocol: TLS, tls: {mode: Passthrough}}]")).Resources;
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions(), objects, time);
        await proxy.StartAsync(CancellationToken.None);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Manifests.Port(proxy));
        await socket.SendAsync(hello.AsMemory(0, hello.Length / 2));

        // The timer starts when the connection's handler does, which a loaded machine may delay: the clock is moved
        // past the timeout until the connection ends, not once at a guessed moment.
        using var closed = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = socket.ReceiveAsync(new byte[16], SocketFlags.None, closed.Token).AsTask();
        await Wait.UntilAsync(() =>
        {
            time.Advance(TlsRouteProxy.HelloTimeout + TimeSpan.FromSeconds(1));
            return received.IsCompleted;
        }, "the connection to be closed at the hello timeout");
        Assert.Equal(0, await received);
        await Wait.UntilAsync(() => proxy.Runtime.Metrics.TlsConnectionCount("", "not_tls") == 1, "the connection to be counted");
    }

    [Fact]
    public async Task ClientLeavesMidRelay_RelayEndsAndEndpointIsReleased()
    {
        using var ca = new TestCertificates();
        await using var streaming = await KestrelBackend.StartAsync(HttpProtocols.Http1, async c =>
        {
            var chunk = new byte[16 * 1024];
            while (!c.RequestAborted.IsCancellationRequested) await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
        }, certificate: ca.ServerCertificate("stream", ["stream.example.test"]));
        await using var proxy = await Manifests.StartAsync(
            Gateway("[{name: tls, port: 0, protocol: TLS, tls: {mode: Passthrough}}]")
            + Route("stream", "2026-01-01T00:00:00Z", "tls", "[stream.example.test]", "stream")
            + Manifests.Service("stream", streaming.Port));
        using (var client = ca.Client(IPAddress.Loopback, _ => { }))
        {
            using var response = await client.GetAsync($"https://stream.example.test:{Manifests.Port(proxy)}/", HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.ReadExactlyAsync(new byte[64 * 1024]);
        } // the client drops the connection while the endpoint is still sending

        var metrics = proxy.Runtime.Metrics;
        await Wait.UntilAsync(() => metrics.TlsConnectionCount("tlsroute default/stream rule 0", "forwarded") == 1, "the relay to end");
        await Wait.UntilAsync(() => proxy.Runtime.Endpoints.All.All(e => e.InFlight == 0), "the endpoint to be released");
    }
}
