using System.Net;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ListenerSets;

/// <summary>
/// ListenerSets (GEP-1713) over real sockets: a ListenerSet adds an HTTP listener on a new port of its Gateway's address
/// and an HTTPS listener on the Gateway's HTTPS port with its own certificate (chosen by SNI), from its own namespace;
/// routes reach its listeners only through parentRefs of kind ListenerSet (sectionName picks one); listeners that are
/// not distinct from the Gateway's or an older ListenerSet's are Conflicted and not served; allowedListeners None,
/// Same, All and Selector decide which ListenerSets attach at all; status as the GEP's conformance cases describe.
/// Each Gateway binds its own loopback address so fixed ports are free.
/// </summary>
public sealed class ListenerSetTests : IAsyncLifetime
{
    private static readonly IPAddress Edge = IPAddress.Parse("127.0.0.71");
    private static readonly IPAddress Closed = IPAddress.Parse("127.0.0.72");
    private static readonly IPAddress SameOnly = IPAddress.Parse("127.0.0.73");
    private static readonly IPAddress Selective = IPAddress.Parse("127.0.0.74");
    private readonly TestCertificates _ca = new();
    private EchoBackend _gw = null!, _a = null!, _admin = null!, _late = null!;
    private GatewayProxy _proxy = null!;
    private string _gwSerial = "", _aSerial = "", _grantedSerial = "";

    public async Task InitializeAsync()
    {
        _gw = await EchoBackend.StartAsync("gw");
        _a = await EchoBackend.StartAsync("a");
        _admin = await EchoBackend.StartAsync("admin");
        _late = await EchoBackend.StartAsync("late");
        var (gwSecret, gwSerial) = _ca.Secret("gw-tls", "infra", "gw.example.test");
        var (aSecret, aSerial) = _ca.Secret("a-tls", "team-a", "a.example.test");
        var (sharedSecret, _) = _ca.Secret("shared-tls", "team-a", "shared.example.test");
        var (grantedSecret, grantedSerial) = _ca.Secret("granted-tls", "team-a", "granted.example.test");
        _grantedSerial = grantedSerial;
        (_gwSerial, _aSerial) = (gwSerial, aSerial);
        _proxy = await Manifests.StartAsync(Manifests.GatewayClass + $$$"""
            apiVersion: v1
            kind: Namespace
            metadata: {name: infra}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-a, labels: {team: a}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: team-b, labels: {team: b}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: infra}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{Edge}}}}]
              allowedListeners: {namespaces: {from: All}}
              listeners:
              - {name: http, port: 18080, protocol: HTTP}
              - {name: https, port: 18443, protocol: HTTPS, hostname: gw.example.test, tls: {certificateRefs: [{name: gw-tls}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: team-a, namespace: team-a, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec:
              parentRef: {name: edge, namespace: infra}
              listeners:
              - {name: http, port: 18081, protocol: HTTP}
              - {name: https, port: 18443, protocol: HTTPS, hostname: a.example.test, tls: {certificateRefs: [{name: a-tls}]}}
              - {name: clash, port: 18080, protocol: HTTP}
              - {name: proto, port: 18443, protocol: HTTP, hostname: p.example.test}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: team-a-late, namespace: team-a, creationTimestamp: "2026-02-01T00:00:00Z"}
            spec:
              parentRef: {name: edge, namespace: infra}
              listeners: [{name: http, port: 18081, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: borrower, namespace: infra, creationTimestamp: "2026-03-01T00:00:00Z"}
            spec:
              parentRef: {name: edge}
              listeners:
              - {name: shared, port: 18443, protocol: HTTPS, hostname: shared.example.test, tls: {certificateRefs: [{name: shared-tls, namespace: team-a}]}}
              - {name: plain, port: 18083, protocol: HTTP}
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: gateways-may-read, namespace: team-a}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
              to: [{group: "", kind: Secret}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: team-b-listenersets-may-read, namespace: team-a}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: ListenerSet, namespace: team-b}]
              to: [{group: "", kind: Secret, name: granted-tls}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: granted, namespace: team-b, creationTimestamp: "2026-03-02T00:00:00Z"}
            spec:
              parentRef: {name: edge, namespace: infra}
              listeners:
              - {name: https, port: 18443, protocol: HTTPS, hostname: granted.example.test, tls: {certificateRefs: [{name: granted-tls, namespace: team-a}]}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: gw-route, namespace: infra, creationTimestamp: "2025-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: edge}]
              rules: [{backendRefs: [{name: gw, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: a-web, namespace: team-a, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec:
              parentRefs: [{group: gateway.networking.k8s.io, kind: ListenerSet, name: team-a}]
              rules: [{backendRefs: [{name: a, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: a-admin, namespace: team-a}
            spec:
              parentRefs: [{kind: ListenerSet, name: team-a, sectionName: https}]
              rules: [{matches: [{path: {type: PathPrefix, value: /admin}}], backendRefs: [{name: admin, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: a-clash, namespace: team-a}
            spec:
              parentRefs: [{kind: ListenerSet, name: team-a, sectionName: clash}]
              rules: [{matches: [{path: {type: PathPrefix, value: /clash}}], backendRefs: [{name: a, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: late-web, namespace: team-a}
            spec:
              parentRefs: [{kind: ListenerSet, name: team-a-late}]
              rules: [{matches: [{path: {type: PathPrefix, value: /late}}], backendRefs: [{name: late, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: b-on-a, namespace: team-b}
            spec:
              parentRefs: [{kind: ListenerSet, name: team-a, namespace: team-a, sectionName: http}]
              rules: [{backendRefs: [{name: a, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: section-on-gateway, namespace: infra}
            spec:
              parentRefs: [{name: edge, sectionName: clash}]
              rules: [{backendRefs: [{name: gw, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: closed, namespace: infra}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{Closed}}}}]
              listeners: [{name: http, port: 18080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: knock, namespace: infra}
            spec:
              parentRef: {name: closed}
              listeners: [{name: http, port: 18084, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: on-knock, namespace: infra}
            spec:
              parentRefs: [{kind: ListenerSet, name: knock}]
              rules: [{backendRefs: [{name: gw, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: same-only, namespace: infra}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{SameOnly}}}}]
              allowedListeners: {namespaces: {from: Same}}
              listeners: [{name: http, port: 18080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: same-ok, namespace: infra}
            spec:
              parentRef: {name: same-only}
              listeners: [{name: http, port: 18085, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: same-no, namespace: team-a}
            spec:
              parentRef: {name: same-only, namespace: infra}
              listeners: [{name: http, port: 18086, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: selective, namespace: infra}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: {{{Selective}}}}]
              allowedListeners: {namespaces: {from: Selector, selector: {matchLabels: {team: a} } } }
              listeners: [{name: http, port: 18080, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: sel-ok, namespace: team-a}
            spec:
              parentRef: {name: selective, namespace: infra}
              listeners: [{name: http, port: 18087, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: sel-no, namespace: team-b}
            spec:
              parentRef: {name: selective, namespace: infra}
              listeners: [{name: http, port: 18088, protocol: HTTP}]
            ---

            """ + gwSecret + aSecret + sharedSecret + grantedSecret
            + Manifests.Service("gw", "infra", "", _gw.Port) + Manifests.Service("a", "team-a", "", _a.Port)
            + Manifests.Service("admin", "team-a", "", _admin.Port) + Manifests.Service("late", "team-a", "", _late.Port));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _gw.DisposeAsync();
        await _a.DisposeAsync();
        await _admin.DisposeAsync();
        await _late.DisposeAsync();
        _ca.Dispose();
    }

    [Theory]
    [InlineData(18081, "/", "a")] // the ListenerSet's new port, through the route attached to the ListenerSet
    [InlineData(18081, "/admin", "a")] // a-admin names only the https listener (sectionName)
    [InlineData(18081, "/late", "a")] // team-a-late's listener on 18081 conflicts with team-a's, which is older
    [InlineData(18080, "/", "gw")] // the Gateway's own listener
    [InlineData(18080, "/clash", "gw")] // team-a's "clash" listener takes the Gateway's port and hostname: not served
    public async Task Http_EachPortServesTheRoutesOfItsWinningListener(int port, string path, string backend)
    {
        using var client = Manifests.Client();
        using var response = await client.GetAsync($"http://{Edge}:{port}{path}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(backend, response.Headers.GetValues("x-backend").Single());
    }

    [Fact]
    public async Task Http_RouteAttachedToTheGateway_DoesNotReachListenerSetListeners()
    {
        // gw-route (parentRef: the Gateway, no sectionName) is the oldest route and matches every path: were it attached
        // to team-a's port 18081 it would win there. It is not, so only a-web answers; on a port only borrower adds
        // (no route attached to borrower), nothing matches.
        using var client = Manifests.Client();
        using var plain = await client.GetAsync($"http://{Edge}:18083/");

        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode);
        Assert.Equal(0, _late.Requests);
    }

    [Fact]
    public async Task Https_ListenerSetListenerOnTheGatewayPort_PresentsItsOwnCertificateBySni()
    {
        var serials = new List<string>();
        using var client = _ca.Client(Edge, s => { lock (serials) serials.Add(s); });

        using var a = await client.GetAsync("https://a.example.test:18443/admin/x");
        using var gw = await client.GetAsync("https://gw.example.test:18443/");

        Assert.Equal("admin", a.Headers.GetValues("x-backend").Single());
        Assert.Equal("gw", gw.Headers.GetValues("x-backend").Single());
        Assert.Equal([_aSerial, _gwSerial], serials);
        using var root = await client.GetAsync("https://a.example.test:18443/");
        Assert.Equal("a", root.Headers.GetValues("x-backend").Single());
    }

    [Fact]
    public async Task Https_CertificateGrantedToTheGatewayOnly_IsNotLentToTheListenerSet()
    {
        using var client = _ca.Client(Edge, _ => { });
        // shared.example.test has no usable certificate: the handshake falls back to another listener's, whose name does not match.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://shared.example.test:18443/"));

        var shared = Listener(Set("borrower"), "shared");
        Assert.Equal(("False", "RefNotPermitted"), Pair(shared, "ResolvedRefs"));
        Assert.Equal("certificateRef team-a/shared-tls: no ReferenceGrant in team-a allows ListenerSets from infra", Get(shared, "ResolvedRefs").Message);
        Assert.Equal(("False", "Invalid"), Pair(shared, "Accepted"));
        Assert.Equal(("False", "Invalid"), Pair(shared, "Programmed"));
        // The ListenerSet itself is accepted: its other listener serves.
        Assert.Equal(("True", "Accepted"), Pair(Set("borrower").Conditions!, "Accepted"));
    }

    [Fact]
    public async Task Https_CertificateInAnotherNamespaceGrantedToListenerSets_IsServed()
    {
        var serials = new List<string>();
        using var client = _ca.Client(Edge, s => { lock (serials) serials.Add(s); });

        using var response = await client.GetAsync("https://granted.example.test:18443/");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // no route attached to it: the handshake is what is tested
        Assert.Equal([_grantedSerial], serials);
        Assert.Equal(("True", "ResolvedRefs"), Pair(Listener(Set("granted"), "https"), "ResolvedRefs"));
    }

    [Fact]
    public void Listeners_OnlyAdmittedListenerSetsBind()
    {
        var bound = _proxy.Listeners.Keys.ToHashSet();
        Assert.Contains(new IPEndPoint(Edge, 18081), bound);
        Assert.Contains(new IPEndPoint(SameOnly, 18085), bound);
        Assert.Contains(new IPEndPoint(Selective, 18087), bound);
        Assert.DoesNotContain(new IPEndPoint(Closed, 18084), bound); // allowedListeners absent: None
        Assert.DoesNotContain(new IPEndPoint(SameOnly, 18086), bound); // Same, and the ListenerSet is in team-a
        Assert.DoesNotContain(new IPEndPoint(Selective, 18088), bound); // team-b lacks the label team=a
    }

    [Theory]
    [InlineData("knock", "Gateway infra/closed admits no ListenerSet (spec.allowedListeners.namespaces.from: None; set Same, All or Selector to allow)")]
    [InlineData("same-no", "Gateway infra/same-only admits ListenerSets of its own namespace infra only (spec.allowedListeners.namespaces.from: Same)")]
    [InlineData("sel-no", "Gateway infra/selective admits ListenerSets of the namespaces its spec.allowedListeners.namespaces.selector matches, and team-b does not match")]
    public void Status_ListenerSetNotAdmitted_NotAllowed(string name, string message)
    {
        var status = Set(name);
        Assert.Equal(("False", "NotAllowed"), Pair(status.Conditions!, "Accepted"));
        Assert.Equal(("False", "NotAllowed"), Pair(status.Conditions!, "Programmed"));
        Assert.Equal(message, Get(status.Conditions!, "Accepted").Message);
        Assert.Empty(status.Listeners!);
    }

    [Theory]
    [InlineData("same-ok")]
    [InlineData("sel-ok")]
    public void Status_ListenerSetAdmitted_AcceptedAndProgrammed(string name)
    {
        var status = Set(name);
        Assert.Equal(("True", "Accepted"), Pair(status.Conditions!, "Accepted"));
        Assert.Equal(("True", "Programmed"), Pair(status.Conditions!, "Programmed"));
        var listener = Assert.Single(status.Listeners!);
        Assert.Equal(("True", "Programmed"), Pair(listener.Conditions!, "Programmed"));
    }

    [Fact]
    public void Status_ConflictsWithTheGatewayAndAnOlderListenerSet()
    {
        var teamA = Set("team-a");
        Assert.Equal(("True", "Accepted"), Pair(teamA.Conditions!, "Accepted"));
        Assert.Equal("listeners added to Gateway infra/edge, except clash, proto (see their conditions)", Get(teamA.Conditions!, "Accepted").Message);
        Assert.Equal(["http", "https", "clash", "proto"], teamA.Listeners!.Select(l => l.Name));

        var clash = Listener(teamA, "clash");
        Assert.Equal(("True", "HostnameConflict"), Pair(clash, "Conflicted"));
        Assert.Equal("HTTP port 18080 with no hostname (any host) is already served for listener http of Gateway infra/edge", Get(clash, "Conflicted").Message);
        Assert.Equal(("False", "PortUnavailable"), Pair(clash, "Accepted"));
        Assert.Equal(("False", "PortUnavailable"), Pair(clash, "Programmed"));
        // Routes attach to a conflicted listener (and are counted) though it serves nothing.
        Assert.Equal([1, 2, 2, 1], teamA.Listeners!.Select(l => l.AttachedRoutes)); // a-web on all; a-admin on https; a-clash on clash
        var proto = Listener(teamA, "proto");
        Assert.Equal(("True", "ProtocolConflict"), Pair(proto, "Conflicted"));
        Assert.Equal("port 18443 already serves HTTPS for listener https of Gateway infra/edge", Get(proto, "Conflicted").Message);

        Assert.DoesNotContain(Listener(teamA, "http"), c => c.Type == "Conflicted");
        Assert.Equal(("True", "Programmed"), Pair(Listener(teamA, "http"), "Programmed"));
        Assert.Equal(("True", "ResolvedRefs"), Pair(Listener(teamA, "https"), "ResolvedRefs"));

        var late = Set("team-a-late");
        Assert.Equal(("False", "ListenersNotValid"), Pair(late.Conditions!, "Accepted"));
        Assert.Equal(("False", "ListenersNotValid"), Pair(late.Conditions!, "Programmed"));
        var lateHttp = Listener(late, "http");
        Assert.Equal(("True", "HostnameConflict"), Pair(lateHttp, "Conflicted"));
        // Another team's ListenerSet is not named.
        Assert.Equal("HTTP port 18081 with no hostname (any host) is already served for a listener of another ListenerSet attached to the same Gateway before this one", Get(lateHttp, "Conflicted").Message);
    }

    [Fact]
    public void Status_GatewayCountsAttachedListenerSetsAndListsOnlyItsOwnListeners()
    {
        var edge = GatewayStatusOf("edge");
        Assert.Equal(3, edge.AttachedListenerSets); // team-a, borrower and granted; team-a-late has no listener left
        Assert.Equal(["http", "https"], edge.Listeners!.Select(l => l.Name));
        Assert.Equal([1, 1], edge.Listeners!.Select(l => l.AttachedRoutes)); // gw-route only: section-on-gateway names no listener of the Gateway
        Assert.Equal(0, GatewayStatusOf("closed").AttachedListenerSets);
        Assert.Equal(1, GatewayStatusOf("same-only").AttachedListenerSets);
        Assert.Equal(1, GatewayStatusOf("selective").AttachedListenerSets);
    }

    [Fact]
    public void Status_RoutesOnListenerSets()
    {
        var aWeb = Parent("a-web");
        Assert.Equal(("True", "Accepted"), Pair(aWeb.Conditions!, "Accepted"));
        Assert.Equal("ListenerSet", aWeb.ParentRef.Kind);
        Assert.Equal("attached to 4 listener(s)", Get(aWeb.Conditions!, "Accepted").Message);
        Assert.Equal(("True", "Accepted"), Pair(Parent("a-admin").Conditions!, "Accepted"));

        var cross = Parent("b-on-a");
        Assert.Equal(("False", "NotAllowedByListeners"), Pair(cross.Conditions!, "Accepted"));
        Assert.Equal("no listener allows HTTPRoutes from namespace team-b", Get(cross.Conditions!, "Accepted").Message);

        // A sectionName that only a ListenerSet has does not match a listener of the Gateway.
        Assert.Equal(("False", "NoMatchingParent"), Pair(Parent("section-on-gateway").Conditions!, "Accepted"));

        var knock = Parent("on-knock");
        Assert.Equal(("False", "NoMatchingParent"), Pair(knock.Conditions!, "Accepted"));
        Assert.StartsWith("ListenerSet infra/knock is not attached to its Gateway: Gateway infra/closed admits no ListenerSet", Get(knock.Conditions!, "Accepted").Message, StringComparison.Ordinal);
    }

    private ListenerSetStatus Set(string name) =>
        (ListenerSetStatus)_proxy.Statuses.Single(s => s.Object is ListenerSet && s.Object.Metadata.Name == name).Status;

    private GatewayStatus GatewayStatusOf(string name) =>
        (GatewayStatus)_proxy.Statuses.Single(s => s.Object is Model.Gateway.Gateway && s.Object.Metadata.Name == name).Status;

    private RouteParentStatus Parent(string route) =>
        ((HTTPRouteStatus)_proxy.Statuses.Single(s => s.Object is HTTPRoute && s.Object.Metadata.Name == route).Status).Parents!.Single();

    private static IList<V1Condition> Listener(ListenerSetStatus status, string name) => status.Listeners!.Single(l => l.Name == name).Conditions!;

    private static V1Condition Get(IList<V1Condition> conditions, string type) => conditions.Single(c => c.Type == type);

    private static (string, string) Pair(IList<V1Condition> conditions, string type)
    {
        var c = Get(conditions, type);
        return (c.Status, c.Reason);
    }
}
