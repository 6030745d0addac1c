using System.Net;
using Microsoft.Extensions.Time.Testing;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.UdpRoutes;

/// <summary>
/// Sessions of a UDP listener on a fake clock: one ends after the idle timeout without a datagram either way (counted,
/// and written to the access log), not before, and the client's next datagram starts a new one; past the session
/// limit a new client's datagrams are dropped and counted while the clients already served go on; the admin address
/// lists the UDP listener and renders its metrics.
/// </summary>
public sealed class UdpSessionTests
{
    private const string Route = "udproute default/dns rule 0";

    /// <summary>
    /// Gateway "edge" with UDP listener "dns" on 127.0.0.1:0, and UDPRoute "dns" sending every client to Service
    /// <paramref name="service"/> port 80 (which <paramref name="services"/> defines); also the setup of UdpRefusalTests.
    /// </summary>
    internal static string Dns(string service, string services) => Manifests.GatewayClass + $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          gatewayClassName: switchyard
          listeners: [{name: dns, port: 0, protocol: UDP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: UDPRoute
        metadata: {name: dns, namespace: default}
        spec:
          parentRefs: [{name: edge}]
          rules: [{backendRefs: [{name: {{service}}, port: 80}]}]
        ---

        """ + services;

    private static string Yaml(int port, string serviceAnnotations = "") => Dns("svc-a", Manifests.Service("svc-a", "default", serviceAnnotations, port));

    private static IPEndPoint Listener(GatewayProxy proxy) => new(IPAddress.Loopback, proxy.UdpListeners[new IPEndPoint(IPAddress.Loopback, 0)].Port);

    [Fact]
    public async Task IdleSession_EndsAtTheTimeoutNotBefore_LoggedOnce_NextDatagramStartsANewSession()
    {
        await using var backend = new UdpEchoBackend("a");
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var log = new SharedLog();
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions { AccessLog = log.Writer, UdpIdleTimeout = TimeSpan.FromSeconds(60) }, Manifests.Read(Yaml(backend.Port)), time);
        await proxy.StartAsync(CancellationToken.None);
        var udp = proxy.UdpProxy(new IPEndPoint(IPAddress.Loopback, 0))!;
        var metrics = proxy.Runtime.Metrics;
        using var client = new UdpTestClient(Listener(proxy));

        Assert.Equal("a:one", await client.AskAsync("one"));
        Assert.Equal(1, udp.Sessions);
        // The reply is counted just after it is sent: the client can read it first, and the session must not end before.
        await Wait.UntilAsync(() => metrics.UdpDatagramCount(Route, "sent") == 1, "the reply to be counted");

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, udp.Sessions);
        Assert.Equal(0, metrics.UdpSessionCount(Route, "idle"));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, udp.Sessions);
        Assert.Equal(1, metrics.UdpSessionCount(Route, "idle"));
        Assert.Equal(0, metrics.UdpActiveSessions);
        await Wait.UntilAsync(() => log.ToString().Contains("\"method\":\"UDP\"", StringComparison.Ordinal), "the session's access log line");
        var line = log.ToString().Split('\n').Single(l => l.Contains("\"method\":\"UDP\"", StringComparison.Ordinal));
        Assert.Contains("\"route\":\"udproute default/dns rule 0\"", line, StringComparison.Ordinal);
        Assert.Contains("\"backend\":\"default/svc-a:80\"", line, StringComparison.Ordinal);
        Assert.Contains("\"bytes_received\":3", line, StringComparison.Ordinal);
        Assert.Contains("\"bytes_sent\":5", line, StringComparison.Ordinal);
        Assert.Contains("closed after 60 s without a datagram either way", line, StringComparison.Ordinal);

        Assert.Equal("a:two", await client.AskAsync("two"));
        Assert.Equal(1, udp.Sessions);
        Assert.Equal(2, backend.Peers); // a new session: a new socket, so a new source address at the backend
    }

    [Fact]
    public async Task SessionLimit_NewClientDroppedAndCounted_ClientsAlreadyServedGoOn()
    {
        await using var backend = new UdpEchoBackend("a");
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions { UdpMaxSessions = 2 }, Manifests.Read(Yaml(backend.Port)), new FakeTimeProvider());
        await proxy.StartAsync(CancellationToken.None);
        var metrics = proxy.Runtime.Metrics;
        using var first = new UdpTestClient(Listener(proxy));
        using var second = new UdpTestClient(Listener(proxy));
        using var third = new UdpTestClient(Listener(proxy));

        Assert.Equal("a:1", await first.AskAsync("1"));
        Assert.Equal("a:2", await second.AskAsync("2"));
        await third.SendAsync("3");
        await Wait.UntilAsync(() => metrics.UdpDroppedCount(Route, "session_limit") == 1, "the third client's datagram to be dropped");

        Assert.Equal("a:1 again", await first.AskAsync("1 again"));
        Assert.Equal(2, backend.Peers);
        Assert.Equal(2, proxy.UdpProxy(new IPEndPoint(IPAddress.Loopback, 0))!.Sessions);
    }

    [Fact]
    public async Task ServiceIdleTimeout_EndsItsSessionsBeforeTheProcessTimeout()
    {
        await using var backend = new UdpEchoBackend("a");
        var time = new FakeTimeProvider();
        var log = new SharedLog();
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions { AccessLog = log.Writer, UdpIdleTimeout = TimeSpan.FromSeconds(60) },
            Manifests.Read(Yaml(backend.Port, "{lb.switchyard.dev/idle-timeout: 10s}")), time);
        await proxy.StartAsync(CancellationToken.None);
        var udp = proxy.UdpProxy(new IPEndPoint(IPAddress.Loopback, 0))!;
        using var client = new UdpTestClient(Listener(proxy));
        Assert.Equal("a:one", await client.AskAsync("one"));

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, udp.Sessions);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, udp.Sessions);
        Assert.Equal(1, proxy.Runtime.Metrics.UdpSessionCount(Route, "idle"));
        await Wait.UntilAsync(() => log.ToString().Contains("closed after 10 s without a datagram either way", StringComparison.Ordinal), "the session's access log line");
    }

    [Fact]
    public async Task ServiceMaxConnections_BoundsItsSessions_ANewClientServedOnceOneEnds()
    {
        await using var backend = new UdpEchoBackend("a");
        var time = new FakeTimeProvider();
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions { UdpIdleTimeout = TimeSpan.FromSeconds(60) },
            Manifests.Read(Yaml(backend.Port, "{lb.switchyard.dev/max-connections: \"2\"}")), time);
        await proxy.StartAsync(CancellationToken.None);
        var metrics = proxy.Runtime.Metrics;
        using var first = new UdpTestClient(Listener(proxy));
        using var second = new UdpTestClient(Listener(proxy));
        using var third = new UdpTestClient(Listener(proxy));

        Assert.Equal("a:1", await first.AskAsync("1"));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("a:2", await second.AskAsync("2"));
        await third.SendAsync("3");
        await Wait.UntilAsync(() => metrics.UdpDroppedCount(Route, "circuit_open") == 1, "the third client's datagram to be dropped");
        Assert.Contains("switchyard_proxy_circuit_open_total{backend=\"default/svc-a:80\",limit=\"connections\"} 1", metrics.Render(), StringComparison.Ordinal);
        Assert.Equal("a:2 again", await second.AskAsync("2 again")); // the sessions already open go on

        time.Advance(TimeSpan.FromSeconds(30)); // the first client's session is idle for 60 s: it ends and frees its slot
        Assert.Equal(1, proxy.UdpProxy(new IPEndPoint(IPAddress.Loopback, 0))!.Sessions);
        Assert.Equal("a:3 again", await third.AskAsync("3 again"));
    }

    [Fact]
    public async Task Admin_ConfigListsTheUdpListener_MetricsRenderTheSession()
    {
        await using var backend = new UdpEchoBackend("a");
        var options = new ProxyOptions { Admin = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var proxy = GatewayProxy.FromObjects(options, Manifests.Read(Yaml(backend.Port)));
        await proxy.StartAsync(CancellationToken.None);
        using var client = new UdpTestClient(Listener(proxy));
        Assert.Equal("a:hello", await client.AskAsync("hello"));
        using var http = Manifests.Client();

        var config = await http.GetStringAsync(new Uri(proxy.AdminUrl!, "/config"));
        var metrics = await http.GetStringAsync(new Uri(proxy.AdminUrl!, "/metrics"));

        Assert.Contains("127.0.0.1:0 udp gateway default/edge port 0\n", config, StringComparison.Ordinal);
        Assert.Contains("switchyard_proxy_udp_active_sessions 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("switchyard_proxy_udp_bytes_total{route=\"udproute default/dns rule 0\",direction=\"received\"} 5\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_NonPositiveIdleTimeoutOrSessionLimit_Refused()
    {
        var errors = new ProxyOptions { UdpIdleTimeout = TimeSpan.Zero, UdpMaxSessions = 0 }.Validate();

        Assert.Equal(["UdpIdleTimeout: 00:00:00 must be positive", "UdpMaxSessions: 0 must be at least 1"], errors);
    }
}
