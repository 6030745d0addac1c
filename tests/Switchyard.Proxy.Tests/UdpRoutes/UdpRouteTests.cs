using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;
using static Switchyard.Proxy.Tests.Support.StatusReads;

namespace Switchyard.Proxy.Tests.UdpRoutes;

/// <summary>
/// UDPRoutes over real loopback sockets, one Gateway per case on its own loopback address, in front of UDP echo
/// backends: datagrams both ways through one session per client, many clients at once each getting only its own
/// answers, a weighted split over many clients, empty and largest datagrams, dropped datagrams (a backendRef that does
/// not resolve, a Service in another namespace without a ReferenceGrant) with the status saying why, two routes on one
/// port (both Accepted, the older serves), a TCP and a UDP listener on one port number (no conflict), and listener
/// protocol and kind mismatches.
/// </summary>
public sealed class UdpRouteTests : IAsyncLifetime
{
    private static readonly IPAddress Echo = At(140), Split = At(141), Broken = At(142), Two = At(143), Mixed = At(144), Http = At(145), Kinds = At(146), Cross = At(147), Dual = At(148);

    private UdpEchoBackend _a = null!, _b = null!, _dns = null!, _dual = null!;
    private int _mixedPort;
    private GatewayProxy _proxy = null!;

    private static string Gateway(string name, IPAddress address, string listener = "{name: udp, port: 0, protocol: UDP, allowedRoutes: {namespaces: {from: All}}}") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{name}}, namespace: default}
        spec:
          gatewayClassName: switchyard
          addresses: [{type: IPAddress, value: {{address}}}]
          listeners: [{{listener}}]
        ---

        """;

    private static string Route(string name, string parent, string backendRefs, string ns = "default", string created = "2026-01-01T00:00:00Z", string? sectionName = null) => $$"""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: UDPRoute
        metadata: {name: {{name}}, namespace: {{ns}}, creationTimestamp: "{{created}}"}
        spec:
          parentRefs: [{name: {{parent}}, namespace: default{{(sectionName is null ? "" : $", sectionName: {sectionName}")}}}]
          rules: [{backendRefs: {{backendRefs}}}]
        ---

        """;

    public async Task InitializeAsync()
    {
        _a = new UdpEchoBackend("a");
        _b = new UdpEchoBackend("b");
        _dns = new UdpEchoBackend("dns");
        _dual = new UdpEchoBackend("dual");
        _mixedPort = HaProxy.FreePort(Mixed);
        _proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + Gateway("echo", Echo) + Route("echo", "echo", "[{name: svc-a, port: 80}]")
            + Gateway("split", Split) + Route("split", "split", "[{name: svc-a, port: 80, weight: 3}, {name: svc-b, port: 80, weight: 1}]")
            + Gateway("broken", Broken) + Route("broken", "broken", "[{name: nosuch, port: 80}]")
            + Gateway("cross", Cross) + Route("cross", "cross", "[{name: dns, namespace: data, port: 80}]", ns: "shop")
            + Gateway("two", Two) + Route("newer", "two", "[{name: svc-b, port: 80}]", created: "2026-02-01T00:00:00Z") + Route("older", "two", "[{name: svc-a, port: 80}]")
            + Gateway("mixed", Mixed, $"{{name: udp, port: {_mixedPort}, protocol: UDP}}, {{name: tcp, port: {_mixedPort}, protocol: TCP}}")
            + Route("mixed", "mixed", "[{name: svc-b, port: 80}]", sectionName: "udp")
            + Gateway("web", Http, "{name: http, port: 0, protocol: HTTP}") + Route("on-http", "web", "[{name: svc-a, port: 80}]")
            + Gateway("kinds", Kinds, "{name: udp, port: 0, protocol: UDP, allowedRoutes: {kinds: [{kind: TCPRoute}]}}") + Route("on-kinds", "kinds", "[{name: svc-a, port: 80}]")
            + """
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: UDPRoute
            metadata: {name: two-rules, namespace: default}
            spec:
              parentRefs: [{name: echo}]
              rules: [{backendRefs: [{name: svc-b, port: 80}]}, {backendRefs: [{name: svc-b, port: 80}]}]
            ---

            """
            + Gateway("dual", Dual) + Route("dual", "dual", "[{name: dual, port: 53}]")
            + Manifests.Service("svc-a", _a.Port) + Manifests.Service("svc-b", _b.Port) + Manifests.Service("dns", "data", "", _dns.Port)
            + $$$"""
            apiVersion: v1
            kind: Service
            metadata: {name: dual, namespace: default}
            spec: {ports: [{name: dns-tcp, port: 53, protocol: TCP}, {name: dns-udp, port: 53, protocol: UDP}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: dual-1, namespace: default, labels: {kubernetes.io/service-name: dual}}
            addressType: IPv4
            ports: [{name: dns-tcp, port: {{{Ports.Closed()}}}, protocol: TCP}, {name: dns-udp, port: {{{_dual.Port}}}, protocol: UDP}]
            endpoints: [{addresses: ["127.0.0.1"]}]
            ---

            """);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _dns.DisposeAsync();
        await _dual.DisposeAsync();
    }

    private static IPAddress At(byte last) => new([127, 0, 0, last]);

    private IPEndPoint Listener(IPAddress address, int port = 0) => new(address, _proxy.UdpListeners[new IPEndPoint(address, port)].Port);

    [Fact]
    public async Task Echo_DatagramsGoBothWays_OneSessionPerClient_Counted()
    {
        const string route = "udproute default/echo rule 0";
        var metrics = _proxy.Runtime.Metrics;
        var peers = _a.Peers;
        using var client = new UdpTestClient(Listener(Echo));

        Assert.Equal("a:ping 1", await client.AskAsync("ping 1"));
        Assert.Equal("a:ping 22", await client.AskAsync("ping 22"));

        Assert.Equal(peers + 1, _a.Peers); // both datagrams through one session, one upstream socket
        await Wait.UntilAsync(() => metrics.UdpDatagramCount(route, "received") == 2 && metrics.UdpDatagramCount(route, "sent") == 2, "the datagrams to be counted");
        Assert.Equal(6 + 7, metrics.UdpBytes(route, "received"));
        Assert.Equal(8 + 9, metrics.UdpBytes(route, "sent"));
        Assert.Contains("switchyard_proxy_udp_datagrams_total{route=\"udproute default/echo rule 0\",direction=\"received\"} 2", metrics.Render(), StringComparison.Ordinal);
        Assert.True(metrics.UdpActiveSessions >= 1);
    }

    [Fact]
    public async Task ServiceWithTcpAndUdpOnOnePortNumber_TheUdpPortServes()
    {
        // DNS's shape: port 53 twice, TCP listed first; a UDPRoute's backendRef port 53 is the UDP one.
        using var client = new UdpTestClient(Listener(Dual));
        Assert.Equal("dual:query", await client.AskAsync("query"));
    }

    [Fact]
    public async Task ManyClientsAtOnce_EachGetsOnlyItsOwnAnswers()
    {
        const int Clients = 16, Rounds = 5;
        var clients = Enumerable.Range(0, Clients).Select(_ => new UdpTestClient(Listener(Echo))).ToList();
        try
        {
            var answers = await Task.WhenAll(clients.Select(async (c, i) =>
            {
                var got = new List<string>();
                for (var r = 0; r < Rounds; r++) got.Add(await c.AskAsync($"client {i} round {r}"));
                return got;
            }));

            for (var i = 0; i < Clients; i++)
                Assert.Equal(Enumerable.Range(0, Rounds).Select(r => $"a:client {i} round {r}"), answers[i]);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task Weights_ManyClients_BothBackendsServe_EveryClientServed()
    {
        const int Clients = 120;
        var (a0, b0) = (_a.Peers, _b.Peers);
        var answers = new List<string>();
        // All open until the end: a closed client's port could be reused by the next, which would then be the same client.
        var clients = Enumerable.Range(0, Clients).Select(_ => new UdpTestClient(Listener(Split))).ToList();
        try
        {
            foreach (var client in clients) answers.Add(await client.AskAsync("who"));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }

        Assert.All(answers, a => Assert.Contains(a, new[] { "a:who", "b:who" }));
        var (toA, toB) = (answers.Count(a => a == "a:who"), answers.Count(a => a == "b:who"));
        Assert.True(toA > toB && toB > 0, $"a {toA}, b {toB} (weights 3:1)");
        // One session, so one source address at the backend, per client; tests of one class run one at a time.
        Assert.Equal((toA, toB), (_a.Peers - a0, _b.Peers - b0));
    }

    [Fact]
    public async Task Datagrams_EmptyAndLarge_Relayed_AndTheListenerKeepsServing()
    {
        using var client = new UdpTestClient(Listener(Echo));

        Assert.Equal("a:", await client.AskAsync(""));
        var large = new byte[60_000];
        Array.Fill(large, (byte)'x');
        await client.SendAsync(large);
        var answer = await client.ReceiveAsync();
        Assert.Equal(60_002, answer.Length);

        // The largest UDP payload: relayed to the backend, whose answer (two bytes longer) cannot be sent; nothing breaks.
        var before = _a.Datagrams;
        await client.SendAsync(new byte[65_507]);
        await Wait.UntilAsync(() => _a.Datagrams == before + 1, "the largest datagram to reach the backend");
        Assert.Equal("a:still there", await client.AskAsync("still there"));
    }

    [Fact]
    public async Task UnresolvedBackend_DatagramsDroppedAndCounted_ResolvedRefsSaysWhy()
    {
        using var client = new UdpTestClient(Listener(Broken));
        await client.SendAsync("anyone?");

        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.UdpDroppedCount("udproute default/broken rule 0", "no_backend") == 1, "the drop to be counted");
        Assert.Equal(("True", "Accepted"), Pair(Condition("broken", "Accepted")));
        var resolved = Condition("broken", "ResolvedRefs");
        Assert.Equal(("False", "BackendNotFound"), Pair(resolved));
        Assert.Equal("backendRef default/nosuch:80: service default/nosuch not found", resolved.Message);
    }

    [Fact]
    public async Task CrossNamespace_WithoutReferenceGrant_Dropped_RefNotPermitted()
    {
        using var client = new UdpTestClient(Listener(Cross));
        await client.SendAsync("anyone?");

        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.UdpDroppedCount("udproute shop/cross rule 0", "no_backend") == 1, "the drop to be counted");
        Assert.Equal(0, _dns.Datagrams);
        var resolved = Condition("cross", "ResolvedRefs", "shop");
        Assert.Equal(("False", "RefNotPermitted"), Pair(resolved));
        Assert.Equal("backendRef data/dns: no ReferenceGrant in data allows UDPRoutes from shop", resolved.Message);
    }

    [Fact]
    public async Task TwoRoutesOnOnePort_BothAccepted_TheOlderServesEveryClient_TheNewerIsToldWhy()
    {
        var b0 = _b.Datagrams;
        for (var i = 0; i < 10; i++)
        {
            using var client = new UdpTestClient(Listener(Two));
            Assert.Equal("a:hi", await client.AskAsync("hi"));
        }

        Assert.Equal(("True", "Accepted"), Pair(Condition("older", "Accepted")));
        Assert.Equal("attached to 1 listener(s)", Condition("older", "Accepted").Message);
        var newer = Condition("newer", "Accepted");
        Assert.Equal(("True", "Accepted"), Pair(newer));
        Assert.Equal("attached to 1 listener(s); listener udp: UDP port 0 serves udproute default/older rule 0 (the oldest UDPRoute there, then the first by namespace/name), so this route gets no datagram through it", newer.Message);
        Assert.Equal(2, GatewayStatus("two").Listeners!.Single().AttachedRoutes);
        Assert.Equal(b0, _b.Datagrams);
    }

    [Fact]
    public async Task TcpAndUdpListenersOnOnePortNumber_NoConflict_TheUdpOneServes()
    {
        using var client = new UdpTestClient(new IPEndPoint(Mixed, _mixedPort));
        Assert.Equal("b:same port", await client.AskAsync("same port"));

        var listeners = GatewayStatus("mixed").Listeners!;
        Assert.All(listeners, l =>
        {
            Assert.DoesNotContain(l.Conditions!, c => c is { Type: "Conflicted", Status: "True" });
            Assert.Equal(("True", "Programmed"), Pair(l.Conditions!.Single(c => c.Type == "Programmed")));
        });
        Assert.Equal("UDPRoute", listeners.Single(l => l.Name == "udp").SupportedKinds!.Single().Kind);
        Assert.Equal(1, listeners.Single(l => l.Name == "udp").AttachedRoutes);
        Assert.Contains(new IPEndPoint(Mixed, _mixedPort), _proxy.Listeners.Keys); // the TCP listener is bound too
    }

    [Fact]
    public void Status_ProtocolAndKindMismatches()
    {
        // A UDP listener: supportedKinds UDPRoute; two routes attached: the one it serves, and the two-rule one, refused
        // for its rules (attachedRoutes counts by parentRefs and allowedRoutes alone, gateway-api#2396).
        var echo = GatewayStatus("echo").Listeners!.Single();
        Assert.Equal(["UDPRoute"], echo.SupportedKinds!.Select(k => k.Kind));
        Assert.Equal(2, echo.AttachedRoutes);
        Assert.Equal(["Accepted True", "Programmed True", "ResolvedRefs True"],
            echo.Conditions!.Where(c => c.Type is "Accepted" or "Programmed" or "ResolvedRefs").Select(c => $"{c.Type} {c.Status}").Order(StringComparer.Ordinal));

        // Two rules (read without validation, which refuses them): not served, so it takes no port from the route that serves it.
        var twoRules = Condition("two-rules", "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), Pair(twoRules));
        Assert.Equal("a UDPRoute has exactly one rule, not 2", twoRules.Message);

        // A UDPRoute on an HTTP listener.
        var onHttp = Condition("on-http", "Accepted");
        Assert.Equal(("False", "NotAllowedByListeners"), Pair(onHttp));
        Assert.Equal("no listener serves UDPRoutes (listener http of protocol HTTP serves HTTPRoute and GRPCRoute)", onHttp.Message);

        // A UDP listener asking for TCPRoutes: InvalidRouteKinds, no supported kind, and the UDPRoute is not allowed.
        var kinds = GatewayStatus("kinds").Listeners!.Single();
        Assert.Empty(kinds.SupportedKinds!);
        var resolved = kinds.Conditions!.Single(c => c.Type == "ResolvedRefs");
        Assert.Equal(("False", "InvalidRouteKinds"), Pair(resolved));
        Assert.Equal("allowedRoutes.kinds: TCPRoute cannot attach to this listener (protocol UDP), which serves UDPRoute", resolved.Message);
        Assert.Equal(("False", "NotAllowedByListeners"), Pair(Condition("on-kinds", "Accepted")));
    }

    private GatewayStatus GatewayStatus(string name) => GatewayStatusOf(_proxy, name);

    private k8s.Models.V1Condition Condition(string route, string type, string ns = "default") =>
        ((UDPRouteStatus)_proxy.Statuses.Single(s => s.Object is UDPRoute && s.Object.Metadata.Name == route && s.Object.Metadata.NamespaceProperty == ns).Status)
            .Parents!.Single().Conditions!.Single(c => c.Type == type);

}
