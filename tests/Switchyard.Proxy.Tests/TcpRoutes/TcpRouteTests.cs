using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;
using static Switchyard.Proxy.Tests.Support.StatusReads;

namespace Switchyard.Proxy.Tests.TcpRoutes;

/// <summary>
/// TCPRoutes over real sockets, one Gateway per case on its own loopback address: a raw TCP echo backend reached
/// through a TCP listener (and the access log's TCP line), a weighted split over many connections, a client that
/// half-closes and still gets the backend's last words, refused connections (a backendRef that does not resolve, a
/// Service in another namespace without a ReferenceGrant) with the status saying why, two routes on one listener (both
/// Accepted, the older serves every connection), a route with two rules, listener protocol and kind mismatches (a TCP listener on an HTTP port too), and ListenerSet
/// TCP listeners (a conflicted one takes no port from the Gateway's route, one on a port of its own serves).
/// </summary>
public sealed class TcpRouteTests : IAsyncLifetime
{
    /// <summary>The loopback address of each case's Gateway.</summary>
    private static readonly IPAddress Echo = At(71), Split = At(72), Broken = At(73), Cross = At(74), Granted = At(75), Two = At(76), Http = At(77), Kinds = At(78), Clash = At(79), Sets = At(80), Twice = At(83);

    private readonly SharedLog _log = new();
    private TcpEchoBackend _a = null!, _b = null!, _db = null!;
    private int _setPort;
    private GatewayProxy _proxy = null!;

    /// <param name="more">Further lines of the spec, each starting with a newline and two spaces.</param>
    private static string Gateway(string name, IPAddress address, string listener = "{name: tcp, port: 0, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}", string more = "") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: {{name}}, namespace: default}
        spec:
          gatewayClassName: switchyard
          addresses: [{type: IPAddress, value: {{address}}}]
          listeners: [{{listener}}]{{more}}
        ---

        """;

    private static string Route(string name, string parent, string backendRefs, string ns = "default", string created = "2026-01-01T00:00:00Z", string apiVersion = "v1alpha2",
        string parentKind = "Gateway", string? sectionName = null) => $$"""
        apiVersion: gateway.networking.k8s.io/{{apiVersion}}
        kind: TCPRoute
        metadata: {name: {{name}}, namespace: {{ns}}, creationTimestamp: "{{created}}"}
        spec:
          parentRefs: [{kind: {{parentKind}}, name: {{parent}}, namespace: default{{(sectionName is null ? "" : $", sectionName: {sectionName}")}}}]
          rules: [{backendRefs: {{backendRefs}}}]
        ---

        """;

    public async Task InitializeAsync()
    {
        _a = new TcpEchoBackend("a");
        _b = new TcpEchoBackend("b");
        _db = new TcpEchoBackend("db");
        _proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + Gateway("echo", Echo) + Route("echo", "echo", "[{name: svc-a, port: 80}]", apiVersion: "v1")
            + Gateway("split", Split) + Route("split", "split", "[{name: svc-a, port: 80, weight: 3}, {name: svc-b, port: 80, weight: 1}]")
            + Gateway("broken", Broken) + Route("broken", "broken", "[{name: nosuch, port: 80}]")
            + Gateway("cross", Cross) + Route("cross", "cross", "[{name: db, namespace: data, port: 80}]", ns: "shop")
            + Gateway("granted", Granted) + Route("granted", "granted", "[{name: db, namespace: data, port: 80}]", ns: "apps")
            + """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: apps-to-db, namespace: data}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: TCPRoute, namespace: apps}]
              to: [{group: "", kind: Service, name: db}]
            ---

            """
            + Gateway("two", Two) + Route("newer", "two", "[{name: svc-b, port: 80}]", created: "2026-02-01T00:00:00Z") + Route("older", "two", "[{name: svc-a, port: 80}]")
            + Gateway("web", Http, "{name: http, port: 0, protocol: HTTP}") + Route("on-http", "web", "[{name: svc-a, port: 80}]")
            + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: http-on-tcp, namespace: default}
            spec:
              parentRefs: [{name: echo}]
              rules: [{backendRefs: [{name: svc-a, port: 80}]}]
            ---

            """
            + """
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TCPRoute
            metadata: {name: two-rules, namespace: default}
            spec:
              parentRefs: [{name: echo}]
              rules: [{backendRefs: [{name: svc-b, port: 80}]}, {backendRefs: [{name: svc-b, port: 80}]}]
            ---

            """
            + Gateway("kinds", Kinds, "{name: tcp, port: 0, protocol: TCP, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}") + Route("on-kinds", "kinds", "[{name: svc-a, port: 80}]")
            + Gateway("clash", Clash, "{name: web, port: 0, protocol: HTTP}, {name: tcp, port: 0, protocol: TCP}")
            + ListenerSets()
            + Gateway("twice", Twice) + """
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: TCPRoute
            metadata: {name: twice, namespace: default}
            spec:
              parentRefs: [{name: twice}, {name: twice, sectionName: tcp}]
              rules: [{backendRefs: [{name: svc-b, port: 80}]}]
            ---

            """
            + Manifests.Service("svc-a", _a.Port) + Manifests.Service("svc-b", _b.Port) + Manifests.Service("db", "data", "", _db.Port),
            new ProxyOptions { AccessLog = _log.Writer });
    }

    /// <summary>
    /// Gateway "sets" with a TCP listener, and ListenerSet "tenant" adding one on the same port (conflicted: it serves
    /// nothing) and one on a port of its own; the oldest route, through the conflicted one, must not take the port.
    /// </summary>
    private string ListenerSets()
    {
        _setPort = HaProxy.FreePort(Sets);
        return Gateway("sets", Sets, more: "\n  allowedListeners: {namespaces: {from: Same}}") + $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: tenant, namespace: default}
            spec:
              parentRef: {name: sets}
              listeners: [{name: tcp, port: 0, protocol: TCP}, {name: own, port: {{_setPort}}, protocol: TCP}]
            ---

            """
            + Route("through-set", "tenant", "[{name: svc-b, port: 80}]", created: "2025-01-01T00:00:00Z", parentKind: "ListenerSet", sectionName: "tcp")
            + Route("on-sets", "sets", "[{name: svc-a, port: 80}]", created: "2026-02-01T00:00:00Z")
            + Route("own", "tenant", "[{name: svc-b, port: 80}]", parentKind: "ListenerSet", sectionName: "own");
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static IPAddress At(byte last) => new([127, 0, 0, last]);

    private IPEndPoint Listener(IPAddress address) => new(address, _proxy.Listeners[new IPEndPoint(address, 0)].Port);

    [Fact]
    public async Task Echo_BytesGoBothWays_CountedAndLoggedAsTcp()
    {
        using var client = await TcpClientConnection.OpenAsync(Listener(Echo));

        Assert.Equal("a\n", await client.ReadUntilAsync("\n"));
        await client.SendAsync("ping 1\n");
        Assert.Equal("a\nping 1\n", await client.ReadUntilAsync("ping 1\n"));
        await client.SendAsync("ping 2\n");
        Assert.Equal("a\nping 1\nping 2\n", await client.ReadUntilAsync("ping 2\n"));
        client.Dispose();

        const string route = "tcproute default/echo rule 0";
        var metrics = _proxy.Runtime.Metrics;
        await Wait.UntilAsync(() => metrics.TcpConnectionCount(route, "forwarded") == 1, "the connection to be counted when it ends");
        Assert.Equal(14, metrics.TcpBytes(route, "received"));
        Assert.True(metrics.TcpBytes(route, "sent") >= 16, $"sent {metrics.TcpBytes(route, "sent")}");
        await Wait.UntilAsync(() => _log.ToString().Contains("\"route\":\"tcproute default/echo rule 0\"", StringComparison.Ordinal), "the access log line");
        var line = _log.ToString().Split('\n').Single(l => l.Contains("tcproute default/echo rule 0", StringComparison.Ordinal));
        Assert.Contains("\"method\":\"TCP\"", line, StringComparison.Ordinal);
        Assert.Contains("\"backend\":\"default/svc-a:80\"", line, StringComparison.Ordinal);
        Assert.Contains("\"bytes_received\":14", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HalfClose_ClientEndsItsSide_StillReceivesTheBackendsLastWords()
    {
        using var client = await TcpClientConnection.OpenAsync(Listener(Echo));
        await client.SendAsync("last request");

        client.EndSending();

        // The backend writes its goodbye only after it has read the client's FIN, then closes.
        Assert.True(await client.ReadToEndAsync(), "the connection to end after the backend's answer");
        Assert.Equal("a\nlast requestbye from a\n", client.Received);
    }

    [Fact]
    public async Task Weights_ManyConnections_BothBackendsServeAndEveryConnectionIsServed()
    {
        const int Connections = 120;
        var (a0, b0) = (_a.Connections, _b.Connections);
        var greetings = new List<string?>();
        for (var i = 0; i < Connections; i++)
        {
            using var client = await TcpClientConnection.OpenAsync(Listener(Split));
            greetings.Add(await client.ReadUntilAsync("\n"));
        }

        Assert.All(greetings, g => Assert.Contains(g, new[] { "a\n", "b\n" }));
        var (toA, toB) = (greetings.Count(g => g == "a\n"), greetings.Count(g => g == "b\n"));
        Assert.True(toA > 0 && toB > 0, $"a {toA}, b {toB}");
        Assert.Equal(Connections, toA + toB);
        // Tests of one class run one at a time: the backends saw exactly these connections.
        Assert.Equal((toA, toB), (_a.Connections - a0, _b.Connections - b0));
    }

    [Fact]
    public async Task UnresolvedBackend_ConnectionClosedWithoutAByte_ResolvedRefsSaysWhy()
    {
        using var client = await TcpClientConnection.OpenAsync(Listener(Broken));

        Assert.True(await client.ReadToEndAsync());
        Assert.Equal("", client.Received);
        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.TcpConnectionCount("tcproute default/broken rule 0", "no_backend") == 1, "the refusal to be counted");
        Assert.Equal(("True", "Accepted"), Pair(Condition("broken", "Accepted")));
        var resolved = Condition("broken", "ResolvedRefs");
        Assert.Equal(("False", "BackendNotFound"), Pair(resolved));
        Assert.Contains("default/nosuch:80", resolved.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrossNamespace_WithoutReferenceGrant_Refused_WithOne_Served()
    {
        var before = _db.Connections;
        using (var refused = await TcpClientConnection.OpenAsync(Listener(Cross)))
        {
            Assert.True(await refused.ReadToEndAsync());
            Assert.Equal("", refused.Received);
        }
        Assert.Equal(before, _db.Connections);
        var resolved = Condition("cross", "ResolvedRefs", "shop");
        Assert.Equal(("False", "RefNotPermitted"), Pair(resolved));
        Assert.Equal("backendRef data/db: no ReferenceGrant in data allows TCPRoutes from shop", resolved.Message);

        using var granted = await TcpClientConnection.OpenAsync(Listener(Granted));
        Assert.Equal("db\n", await granted.ReadUntilAsync("\n"));
        Assert.Equal(("True", "ResolvedRefs"), Pair(Condition("granted", "ResolvedRefs", "apps")));
    }

    [Fact]
    public async Task TwoRoutesOnOneListener_BothAccepted_TheOlderServesEveryConnection()
    {
        var b0 = _b.Connections;
        for (var i = 0; i < 20; i++)
        {
            using var client = await TcpClientConnection.OpenAsync(Listener(Two));
            Assert.Equal("a\n", await client.ReadUntilAsync("\n"));
        }

        Assert.Equal(("True", "Accepted"), Pair(Condition("older", "Accepted")));
        var newer = Condition("newer", "Accepted");
        Assert.Equal(("True", "Accepted"), Pair(newer));
        Assert.Equal("attached to 1 listener(s); listener tcp: port 0 serves tcproute default/older rule 0 (the oldest TCPRoute there, then the first by namespace/name), so this route gets no connection through it", newer.Message);
        Assert.Equal("attached to 1 listener(s)", Condition("older", "Accepted").Message);
        var listener = GatewayStatus("two").Listeners!.Single();
        Assert.Equal(2, listener.AttachedRoutes);
        Assert.Equal(b0, _b.Connections);
        Assert.Equal(0, _proxy.Runtime.Metrics.TcpConnectionCount("tcproute default/newer rule 0", "forwarded"));
    }

    [Fact]
    public void Status_ProtocolAndKindMismatches()
    {
        // A TCP listener: supportedKinds TCPRoute; two routes attached (the HTTPRoute is not): the one it serves, and the
        // two-rule one, refused for its rules (attachedRoutes counts by parentRefs and allowedRoutes alone, gateway-api#2396).
        var echo = GatewayStatus("echo").Listeners!.Single();
        Assert.Equal(["TCPRoute"], echo.SupportedKinds!.Select(k => k.Kind));
        Assert.Equal(2, echo.AttachedRoutes);
        Assert.Equal(["Accepted True", "Programmed True", "ResolvedRefs True"],
            echo.Conditions!.Where(c => c.Type is "Accepted" or "Programmed" or "ResolvedRefs").Select(c => $"{c.Type} {c.Status}").Order(StringComparer.Ordinal));

        // Two rules (read without validation, which refuses them; the oldest route, having no creationTimestamp): not
        // served, so it takes no port from the route that serves it.
        var twoRules = Condition("two-rules", "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), Pair(twoRules));
        Assert.Equal("a TCPRoute has exactly one rule, not 2", twoRules.Message);

        // A TCPRoute on an HTTP listener: NotAllowedByListeners (Gateway API's TCPRouteInvalidNonTCPListener).
        var onHttp = Condition("on-http", "Accepted");
        Assert.Equal(("False", "NotAllowedByListeners"), Pair(onHttp));
        Assert.Equal("no listener serves TCPRoutes (listener http of protocol HTTP serves HTTPRoute and GRPCRoute)", onHttp.Message);

        // An HTTPRoute on a TCP listener.
        var http = ((HTTPRouteStatus)_proxy.Statuses.Single(s => s.Object.Metadata.Name == "http-on-tcp").Status).Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "NotAllowedByListeners"), Pair(http));
        Assert.Equal("no listener serves HTTPRoutes (listener tcp of protocol TCP serves TCPRoute)", http.Message);

        // A TCP listener asking for HTTPRoutes: InvalidRouteKinds, no supported kind, and the TCPRoute is not allowed.
        var kinds = GatewayStatus("kinds").Listeners!.Single();
        Assert.Empty(kinds.SupportedKinds!);
        var resolved = kinds.Conditions!.Single(c => c.Type == "ResolvedRefs");
        Assert.Equal(("False", "InvalidRouteKinds"), Pair(resolved));
        Assert.Equal("allowedRoutes.kinds: HTTPRoute cannot attach to this listener (protocol TCP), which serves TCPRoute", resolved.Message);
        Assert.Equal(("False", "NotAllowedByListeners"), Pair(Condition("on-kinds", "Accepted")));
        Assert.Equal(0, kinds.AttachedRoutes);

        // TCP and HTTP on one address and port: the later listener is conflicted and not served.
        var clash = GatewayStatus("clash").Listeners!.Single(l => l.Name == "tcp");
        Assert.Equal(("True", "ProtocolConflict"), Pair(clash.Conditions!.Single(c => c.Type == "Conflicted")));
        Assert.Equal("127.0.0.79:0 already serves HTTP", clash.Conditions!.Single(c => c.Type == "Conflicted").Message);
        Assert.Equal(("False", "ProtocolConflict"), Pair(clash.Conditions!.Single(c => c.Type == "Accepted")));
    }

    [Fact]
    public async Task ListenerSet_ConflictedListenerTakesNoPort_ItsOwnPortServes()
    {
        using (var gatewayPort = await TcpClientConnection.OpenAsync(Listener(Sets)))
        {
            Assert.Equal("a\n", await gatewayPort.ReadUntilAsync("\n"));
        }
        using (var ownPort = await TcpClientConnection.OpenAsync(new IPEndPoint(Sets, _setPort)))
        {
            Assert.Equal("b\n", await ownPort.ReadUntilAsync("\n"));
        }

        var set = (ListenerSetStatus)_proxy.Statuses.Single(s => s.Object is ListenerSet).Status;
        var conflicted = set.Listeners!.Single(l => l.Name == "tcp");
        Assert.Contains(conflicted.Conditions!, c => c is { Type: "Conflicted", Status: "True" });
        Assert.Equal(1, conflicted.AttachedRoutes); // attached and counted, as Gateway API asks, though not served
        var own = set.Listeners!.Single(l => l.Name == "own");
        Assert.Equal((1, "TCPRoute"), (own.AttachedRoutes, own.SupportedKinds!.Single().Kind));
        Assert.All(["through-set", "on-sets", "own"], route => Assert.Equal(("True", "Accepted"), Pair(Condition(route, "Accepted"))));
    }

    [Fact]
    public async Task OneRouteThroughTwoParentRefsToOneListener_ServesIt_NotShadowedByItself()
    {
        using (var client = await TcpClientConnection.OpenAsync(Listener(Twice)))
        {
            Assert.Equal("b\n", await client.ReadUntilAsync("\n"));
        }
        var parents = ((TCPRouteStatus)_proxy.Statuses.Single(s => s.Object is TCPRoute && s.Object.Metadata.Name == "twice").Status).Parents!;
        Assert.Equal(2, parents.Count);
        Assert.All(parents, p => Assert.Equal("attached to 1 listener(s)", p.Conditions!.Single(c => c.Type == "Accepted").Message));
    }

    private GatewayStatus GatewayStatus(string name) => GatewayStatusOf(_proxy, name);

    private k8s.Models.V1Condition Condition(string route, string type, string ns = "default") =>
        ((TCPRouteStatus)_proxy.Statuses.Single(s => s.Object is TCPRoute && s.Object.Metadata.Name == route && s.Object.Metadata.NamespaceProperty == ns).Status)
            .Parents!.Single().Conditions!.Single(c => c.Type == type);

}
