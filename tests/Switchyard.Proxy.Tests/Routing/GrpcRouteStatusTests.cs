using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Routing;

/// <summary>
/// GRPCRoute status per parent from the specification: which listeners accept the kind, an HTTPRoute and a
/// GRPCRoute claiming the same hostnames on one listener, filters and patterns the proxy cannot serve, and broken
/// backend references — each against a started proxy, with requests where the outcome shows on the wire.
/// </summary>
public sealed class GrpcRouteStatusTests
{
    private static string Gateway(string listener) => Manifests.GatewayClass + $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: web, namespace: default}
        spec: {gatewayClassName: switchyard, listeners: [{{listener}}]}
        ---

        """;

    private static string Grpc(string name, string spec, string created = "2024-01-01T00:00:00Z") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: {{name}}, namespace: default, creationTimestamp: "{{created}}"}
        spec:
          parentRefs: [{name: web}]
        {{spec}}
        ---

        """;

    private static string Http(string name, string spec, string created) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{name}}, namespace: default, creationTimestamp: "{{created}}"}
        spec:
          parentRefs: [{name: web}]
        {{spec}}
        ---

        """;

    private static IList<k8s.Models.V1Condition> Conditions(GatewayProxy proxy, string name) =>
        proxy.Statuses.Single(s => s.Object.Metadata.Name == name).Status switch
        {
            GRPCRouteStatus g => g.Parents!.Single().Conditions!,
            HTTPRouteStatus h => h.Parents!.Single().Conditions!,
            var other => throw new InvalidOperationException($"{name}: {other}"),
        };

    private static (string Status, string Reason, string Message) Condition(GatewayProxy proxy, string name, string type)
    {
        var c = Conditions(proxy, name).Single(c => c.Type == type);
        return (c.Status, c.Reason, c.Message);
    }

    private static ListenerStatus Listener(GatewayProxy proxy) =>
        ((GatewayStatus)proxy.Statuses.Single(s => s.Status is GatewayStatus).Status).Listeners!.Single();

    [Fact]
    public async Task AllowedRoutesKinds_WithoutGrpcRoute_RouteNotAllowedByListeners()
    {
        await using var proxy = await Manifests.StartAsync(
            Gateway("{name: http, port: 0, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}")
            + Grpc("g", "  rules: [{backendRefs: [{name: a, port: 80}]}]") + Manifests.Service("a", 1));
        Assert.Equal(("False", "NotAllowedByListeners", "no listener allows kind GRPCRoute (allowedRoutes.kinds: HTTPRoute)"), Condition(proxy, "g", "Accepted"));
        var listener = Listener(proxy);
        Assert.Equal(0, listener.AttachedRoutes);
        Assert.Equal(["HTTPRoute"], listener.SupportedKinds!.Select(k => k.Kind).ToArray());
    }

    [Fact]
    public async Task AllowedRoutesKinds_ListingGrpcRoute_RouteAccepted()
    {
        await using var proxy = await Manifests.StartAsync(
            Gateway("{name: http, port: 0, protocol: HTTP, allowedRoutes: {kinds: [{kind: GRPCRoute}]}}")
            + Grpc("g", "  rules: [{backendRefs: [{name: a, port: 80}]}]") + Manifests.Service("a", 1));
        Assert.Equal(("True", "Accepted"), (Condition(proxy, "g", "Accepted").Status, Condition(proxy, "g", "Accepted").Reason));
        Assert.Equal(["GRPCRoute"], Listener(proxy).SupportedKinds!.Select(k => k.Kind).ToArray());
        Assert.Equal(1, Listener(proxy).AttachedRoutes);
    }

    /// <summary>
    /// Listener.supportedKinds and ResolvedRefs/InvalidRouteKinds (Gateway API ListenerStatus): kinds in allowedRoutes.kinds
    /// the listener cannot serve are left out of supportedKinds and make ResolvedRefs False; the valid ones still attach.
    /// </summary>
    [Theory]
    [InlineData("[{kind: HTTPRoute}, {kind: InvalidRoute}]", "HTTPRoute", "False", "InvalidRouteKinds",
        "allowedRoutes.kinds: InvalidRoute cannot attach to this listener (protocol HTTP), which serves HTTPRoute and GRPCRoute", 1)]
    [InlineData("[{kind: InvalidRoute}, {kind: TLSRoute}, {group: example.com, kind: HTTPRoute}]", "", "False", "InvalidRouteKinds",
        "allowedRoutes.kinds: InvalidRoute, TLSRoute, HTTPRoute of group \"example.com\" cannot attach to this listener (protocol HTTP), which serves HTTPRoute and GRPCRoute", 0)]
    [InlineData("[{kind: HTTPRoute}, {kind: GRPCRoute}]", "HTTPRoute,GRPCRoute", "True", "ResolvedRefs", "all references resolved", 1)]
    public async Task AllowedRoutesKinds_UnsupportedKinds_LeftOutOfSupportedKindsWithInvalidRouteKinds(
        string kinds, string supported, string resolved, string reason, string message, int attached)
    {
        await using var proxy = await Manifests.StartAsync(
            Gateway($"{{name: http, port: 0, protocol: HTTP, allowedRoutes: {{kinds: {kinds}}}}}")
            + Http("site", "  rules: [{backendRefs: [{name: a, port: 80}]}]", "2024-01-01T00:00:00Z") + Manifests.Service("a", 1));
        var listener = Listener(proxy);
        Assert.Equal(supported, string.Join(",", listener.SupportedKinds!.Select(k => k.Kind)));
        var condition = listener.Conditions!.Single(c => c.Type == "ResolvedRefs");
        Assert.Equal((resolved, reason, message), (condition.Status, condition.Reason, condition.Message));
        Assert.Equal(attached, listener.AttachedRoutes);
        Assert.Equal("True", listener.Conditions!.Single(c => c.Type == "Accepted").Status);
    }

    [Fact]
    public async Task HostnameConflict_OlderHttpRoute_NewerGrpcRouteConflictedAndUnserved()
    {
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1AndHttp2, context =>
        {
            context.Response.Headers["x-backend"] = "http";
            return Task.CompletedTask;
        });
        await using var proxy = await Manifests.StartAsync(
            Gateway("{name: http, port: 0, protocol: HTTP}")
            + Http("site", "  hostnames: [shop.test]\n  rules: [{backendRefs: [{name: a, port: 80}]}]", "2020-01-01T00:00:00Z")
            + Grpc("api", "  hostnames: [\"*.test\"]\n  rules: [{backendRefs: [{name: a, port: 80}]}]", "2024-01-01T00:00:00Z")
            + Grpc("elsewhere", "  hostnames: [grpc.example]\n  rules: [{backendRefs: [{name: a, port: 80}]}]", "2024-01-01T00:00:00Z")
            + Manifests.Service("a", backend.Port));
        Assert.Equal(("True", "Accepted"), (Condition(proxy, "site", "Accepted").Status, Condition(proxy, "site", "Accepted").Reason));
        Assert.Equal(
            ("False", "Conflicted", "listener http: its hostnames are taken by HTTPRoute default/site, which is older or first by namespace/name"),
            Condition(proxy, "api", "Accepted"));
        Assert.Equal(("True", "Accepted"), (Condition(proxy, "elsewhere", "Accepted").Status, Condition(proxy, "elsewhere", "Accepted").Reason));
        Assert.Equal(2, Listener(proxy).AttachedRoutes);
        // The rejected GRPCRoute serves nothing: another host under *.test finds no route.
        using var client = Manifests.Client();
        using var other = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "api.test", "POST", "/svc.Api/Do"));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var site = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "shop.test", "GET", "/"));
        Assert.Equal("http", site.Headers.GetValues("x-backend").Single());
    }

    [Fact]
    public async Task HostnameConflict_OlderGrpcRoute_NewerHttpRouteConflicted_TieBrokenByName()
    {
        await using var proxy = await Manifests.StartAsync(
            Gateway("{name: http, port: 0, protocol: HTTP}")
            + Grpc("b-grpc", "  hostnames: [shop.test]\n  rules: [{backendRefs: [{name: a, port: 80}]}]", "2020-01-01T00:00:00Z")
            + Http("a-http", "  hostnames: [shop.test]\n  rules: [{backendRefs: [{name: a, port: 80}]}]", "2024-01-01T00:00:00Z")
            + Http("c-same-age", "  hostnames: [\"*.same.test\"]\n  rules: [{backendRefs: [{name: a, port: 80}]}]", "2022-01-01T00:00:00Z")
            + Grpc("d-same-age", "  hostnames: [api.same.test]\n  rules: [{backendRefs: [{name: a, port: 80}]}]", "2022-01-01T00:00:00Z")
            + Manifests.Service("a", 1));
        Assert.Equal("Accepted", Condition(proxy, "b-grpc", "Accepted").Reason);
        Assert.Equal(("False", "Conflicted"), (Condition(proxy, "a-http", "Accepted").Status, Condition(proxy, "a-http", "Accepted").Reason));
        Assert.Contains("GRPCRoute default/b-grpc", Condition(proxy, "a-http", "Accepted").Message, StringComparison.Ordinal);
        // Created at the same time: the first by namespace/name is accepted.
        Assert.Equal("Accepted", Condition(proxy, "c-same-age", "Accepted").Reason);
        Assert.Equal("Conflicted", Condition(proxy, "d-same-age", "Accepted").Reason);
        Assert.Contains("HTTPRoute default/c-same-age", Condition(proxy, "d-same-age", "Accepted").Message, StringComparison.Ordinal);
        Assert.Equal(2, Listener(proxy).AttachedRoutes);
    }

    [Theory]
    [InlineData("{type: URLRewrite, urlRewrite: {hostname: x.test}}", "rule 0: filter URLRewrite is not supported on a GRPCRoute by switchyard.dev/gateway-controller")]
    [InlineData("{type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: a}}", "rule 0: filter ExtensionRef to example.com/Auth a is not supported on a GRPCRoute")]
    [InlineData("{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Content-Length, value: \"2\"}]}}", "rule 0: RequestHeaderModifier: header Content-Length can not be changed")]
    public async Task UnsupportedFilter_RouteNotAcceptedNamingIt(string filter, string message)
    {
        await using var proxy = await Manifests.StartAsync(
            Gateway("{name: http, port: 0, protocol: HTTP}") + Grpc("g", $"  rules: [{{filters: [{filter}], backendRefs: [{{name: a, port: 80}}]}}]") + Manifests.Service("a", 1));
        var (status, reason, text) = Condition(proxy, "g", "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (status, reason));
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.Equal(1, Listener(proxy).AttachedRoutes); // counted though refused: by parentRefs and allowedRoutes alone (gateway-api#2396)
    }

    [Fact]
    public async Task InvalidRegularExpression_RouteNotAcceptedNamingIt()
    {
        await using var proxy = await Manifests.StartAsync(
            Gateway("{name: http, port: 0, protocol: HTTP}")
            + Grpc("g", "  rules: [{matches: [{method: {type: RegularExpression, service: \"shop(\"}}], backendRefs: [{name: a, port: 80}]}]") + Manifests.Service("a", 1));
        var (status, reason, text) = Condition(proxy, "g", "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (status, reason));
        Assert.StartsWith("rule 0: method.service regular expression 'shop(' is invalid", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{group: example.com, kind: Bucket, name: b, port: 80}", "InvalidKind", "backendRef Bucket/b: only Services are supported")]
    [InlineData("{name: nosuch, port: 80}", "BackendNotFound", "backendRef default/nosuch:80: service default/nosuch not found")]
    [InlineData("{name: a, namespace: other, port: 80}", "RefNotPermitted", "backendRef other/a: no ReferenceGrant in other allows GRPCRoutes from default")]
    public async Task BrokenBackendRef_ResolvedRefsFalseWithReason(string backendRef, string reason, string message)
    {
        await using var proxy = await Manifests.StartAsync(
            Gateway("{name: http, port: 0, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}")
            + Grpc("g", $"  rules: [{{backendRefs: [{backendRef}]}}]") + Manifests.Service("a", "other", "", 1));
        Assert.Equal("True", Condition(proxy, "g", "Accepted").Status);
        Assert.Equal(("False", reason, message), Condition(proxy, "g", "ResolvedRefs"));
        using var client = Manifests.Client();
        using var call = Manifests.Request(Manifests.Port(proxy), "any.test", "POST", "/svc.A/Do");
        call.Content = new ByteArrayContent([0, 0, 0, 0, 0]);
        call.Content.Headers.ContentType = new("application/grpc");
        using var response = await client.SendAsync(call);
        // The proxy answers the gRPC call for the broken backend: UNAVAILABLE, trailers-only (an HTTPRoute would get 500).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
    }
}
