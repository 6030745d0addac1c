using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Routing;

/// <summary>
/// Table-driven GRPCRoute cases from the Gateway API specification (method matching, precedence, headers, weights,
/// filters, hostnames, ReferenceGrant, no route, invalid backends), each a gRPC call over HTTP/2 with prior knowledge
/// through the proxy to real backends that speak only HTTP/2. The backends' Services carry no appProtocol: a GRPCRoute's
/// backends are reached over h2c regardless (an HTTP/1.1 attempt would fail against these backends). The proxy's own
/// errors on a GRPCRoute are trailers-only gRPC answers (UNAVAILABLE for invalid backends, as the spec asks).
/// </summary>
public sealed class GrpcRoutingTests : IAsyncLifetime
{
    private readonly Dictionary<string, KestrelBackend> _backends = [];
    private GatewayProxy _proxy = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "a", "b", "c", "d", "e", "f", "x" })
            _backends[name] = await KestrelBackend.StartAsync(HttpProtocols.Http2, context => AnswerAsync(context, name));
        var yaml = Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: web, namespace: default}
            spec:
              gatewayClassName: switchyard
              listeners: [{name: http, port: 0, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: methods, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: web}]
              rules:
                - matches: [{method: {service: helloworld.Greeter, method: SayHello}}]
                  backendRefs: [{name: a, port: 80}]
                - matches: [{method: {service: helloworld.Greeter}}]
                  backendRefs: [{name: b, port: 80}]
                - matches: [{method: {method: Check}}]
                  backendRefs: [{name: c, port: 80}]
                - matches: [{method: {service: helloworld.Greeter, method: SayHello}, headers: [{name: x-version, value: v2}]}]
                  backendRefs: [{name: d, port: 80}]
                - matches: [{method: {type: RegularExpression, service: "shop\\.v[0-9]+\\.Catalog", method: "Get.*"}}]
                  backendRefs: [{name: e, port: 80}]
                - matches: [{headers: [{name: x-id, type: RegularExpression, value: "[a-c]+"}]}]
                  backendRefs: [{name: f, port: 80}]
                - matches: [{method: {service: .fq.Svc}}]
                  backendRefs: [{name: a, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: older-tie, namespace: default, creationTimestamp: "2023-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: web}]
              rules: [{matches: [{method: {service: tie.Svc}}], backendRefs: [{name: a, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: newer-tie, namespace: default, creationTimestamp: "2025-01-01T00:00:00Z"}
            spec:
              parentRefs: [{name: web}]
              rules: [{matches: [{method: {service: tie.Svc}}], backendRefs: [{name: b, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: hosted, namespace: default}
            spec:
              parentRefs: [{name: web}]
              hostnames: [grpc.example.com]
              rules: [{matches: [{method: {service: host.Svc}}], backendRefs: [{name: c, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: traffic, namespace: default}
            spec:
              parentRefs: [{name: web}]
              rules:
                - matches: [{method: {service: weighted.Svc}}]
                  backendRefs: [{name: a, port: 80, weight: 1}, {name: b, port: 80, weight: 0}]
                - matches: [{method: {service: split.Svc}}]
                  backendRefs: [{name: a, port: 80, weight: 1}, {name: b, port: 80, weight: 1}]
                - matches: [{method: {service: filters.Svc}}]
                  filters:
                    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-set, value: s}], add: [{name: x-add, value: added}], remove: [x-remove]}}
                    - {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-resp, value: r}], remove: [x-drop]}}
                  backendRefs:
                    - name: c
                      port: 80
                      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-per-backend, value: "on"}]}}]
                - matches: [{method: {service: missing.Svc}}]
                  backendRefs: [{name: nosuch, port: 80}]
                - matches: [{method: {service: denied.Svc}}]
                  backendRefs: [{name: x, namespace: other, port: 80}]
                - matches: [{method: {service: granted.Svc}}]
                  backendRefs: [{name: x, namespace: granted, port: 80}]
                - matches: [{method: {service: unready.Svc}}]
                  backendRefs: [{name: idle, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: allow-grpc, namespace: granted}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: default}]
              to: [{group: "", kind: Service}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: http-only, namespace: other}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
              to: [{group: "", kind: Service}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: idle, namespace: default}
            spec: {ports: [{name: http, port: 80}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: idle-1, namespace: default, labels: {kubernetes.io/service-name: idle}}
            addressType: IPv4
            ports: [{name: http, port: 9}]
            endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: false}}]
            ---

            """;
        foreach (var name in new[] { "a", "b", "c", "d", "e", "f" }) yaml += Manifests.Service(name, _backends[name].Port);
        yaml += Manifests.Service("x", "other", "", _backends["x"].Port) + Manifests.Service("x", "granted", "", _backends["x"].Port);
        _proxy = await Manifests.StartAsync(yaml);
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        foreach (var b in _backends.Values) await b.DisposeAsync();
    }

    /// <summary>A gRPC answer naming the backend, echoing the request's header changes and the path it saw.</summary>
    private static async Task AnswerAsync(HttpContext context, string name)
    {
        await context.Request.Body.CopyToAsync(Stream.Null);
        var response = context.Response;
        response.ContentType = "application/grpc";
        response.Headers["x-backend"] = name;
        response.Headers["x-drop"] = "backend";
        foreach (var h in new[] { "x-set", "x-add", "x-remove", "x-per-backend" })
        {
            if (context.Request.Headers.TryGetValue(h, out var v)) response.Headers["x-saw-" + h[2..]] = v.ToString();
        }
        await response.Body.WriteAsync(GrpcCalls.Frame(Encoding.UTF8.GetBytes($"{name} {context.Request.Path}")));
        response.AppendTrailer("grpc-status", "0");
    }

    /// <summary>A unary gRPC-framed POST over HTTP/2 with prior knowledge, as a gRPC client sends it.</summary>
    private Task<HttpResponseMessage> CallAsync(HttpClient client, string host, string path, params (string Name, string Value)[] headers) =>
        GrpcCalls.SendAsync(client, _port, host, path, Encoding.UTF8.GetBytes("hi"), headers);

    private static string? Backend(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : null;

    /// <summary>The grpc-status of a response: in its trailers, or in its headers for a trailers-only answer; null when none.</summary>
    private static string? GrpcStatusOf(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.Single()
        : response.Headers.TryGetValues("grpc-status", out var h) ? h.Single() : null;

    /// <summary>{host, path (/service/method), headers "name=value;...", expected backend ("" none), HTTP status, grpc-status ("" none)}.</summary>
    public static TheoryData<string, string, string, string, int, string> Cases => new()
    {
        // Exact service and method; more header matches win over the same service and method without them.
        { "any.test", "/helloworld.Greeter/SayHello", "", "a", 200, "0" },
        { "any.test", "/helloworld.Greeter/SayHello", "x-version=v2", "d", 200, "0" },
        { "any.test", "/helloworld.Greeter/SayHello", "x-version=v3", "a", 200, "0" },
        // Service only: every method of the service. It outranks a method-only match (characters of service first).
        { "any.test", "/helloworld.Greeter/SayGoodbye", "", "b", 200, "0" },
        { "any.test", "/helloworld.Greeter/Check", "", "b", 200, "0" },
        // Method only: that method of any service.
        { "any.test", "/grpc.health.v1.Health/Check", "", "c", 200, "0" },
        { "any.test", "/grpc.health.v1.Health/Watch", "", "", 200, "12" },
        // Names are case-sensitive.
        { "any.test", "/helloworld.greeter/SayHello", "", "", 200, "12" },
        // RegularExpression service and method.
        { "any.test", "/shop.v2.Catalog/GetItem", "", "e", 200, "0" },
        { "any.test", "/shop.v2.Catalog/ListItems", "", "", 200, "12" },
        { "any.test", "/shop.vX.Catalog/GetItem", "", "", 200, "12" },
        // A match with headers alone (no method) matches any service and method.
        { "any.test", "/other.Svc/Anything", "x-id=abc", "f", 200, "0" },
        { "any.test", "/other.Svc/Anything", "x-id=abd", "", 200, "12" },
        // A leading '.' (fully-qualified protobuf name) is not part of the request path.
        { "any.test", "/fq.Svc/Do", "", "a", 200, "0" },
        // Ties across routes: the oldest route wins.
        { "any.test", "/tie.Svc/Do", "", "a", 200, "0" },
        // Hostnames: the route with grpc.example.com serves only that host.
        { "grpc.example.com", "/host.Svc/Do", "", "c", 200, "0" },
        { "other.example.com", "/host.Svc/Do", "", "", 200, "12" },
        // Weight 0 gets nothing.
        { "any.test", "/weighted.Svc/Do", "", "a", 200, "0" },
        // A backend that is missing, or in another namespace without a ReferenceGrant for GRPCRoutes: UNAVAILABLE (14),
        // answered trailers-only by the proxy. No route at all: UNIMPLEMENTED (12), as gRPC maps HTTP's 404 and Envoy answers.
        { "any.test", "/missing.Svc/Do", "", "", 200, "14" },
        { "any.test", "/denied.Svc/Do", "", "", 200, "14" },
        // A backend without ready endpoints: UNAVAILABLE too (the 503 an HTTPRoute gets).
        { "any.test", "/unready.Svc/Do", "", "", 200, "14" },
        { "any.test", "/granted.Svc/Do", "", "x", 200, "0" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Route_GrpcCall_ReachesExpectedBackend(string host, string path, string headers, string backend, int status, string grpcStatus)
    {
        using var client = Manifests.Client();
        var pairs = headers.Length == 0 ? [] : headers.Split(';').Select(h => (h.Split('=')[0], h.Split('=')[1])).ToArray();
        using var response = await CallAsync(client, host, path, pairs);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(backend.Length == 0 ? null : backend, Backend(response));
        Assert.Equal(grpcStatus.Length == 0 ? null : grpcStatus, GrpcStatusOf(response));
    }

    [Fact]
    public async Task WeightedSplit_EqualWeights_BothBackendsServe()
    {
        using var client = Manifests.Client();
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < 60; i++)
        {
            using var response = await CallAsync(client, "any.test", "/split.Svc/Do");
            var name = Backend(response)!;
            seen[name] = seen.GetValueOrDefault(name) + 1;
        }
        Assert.Equal(["a", "b"], seen.Keys.Order().ToArray());
    }

    [Fact]
    public async Task HeaderModifiers_GrpcCall_ChangeRequestAndResponseHeaders()
    {
        using var client = Manifests.Client();
        using var response = await CallAsync(client, "any.test", "/filters.Svc/Do", ("x-add", "orig"), ("x-remove", "gone"));
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("c", Backend(response));
        Assert.Equal("s", response.Headers.GetValues("x-saw-set").Single());
        Assert.Equal("orig,added", response.Headers.GetValues("x-saw-add").Single().Replace(", ", ",", StringComparison.Ordinal));
        Assert.False(response.Headers.Contains("x-saw-remove"));
        Assert.Equal("on", response.Headers.GetValues("x-saw-per-backend").Single());
        Assert.Equal("r", response.Headers.GetValues("x-resp").Single());
        Assert.False(response.Headers.Contains("x-drop"));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    private static readonly Marshaller<string> Utf8 = Marshallers.Create(Encoding.UTF8.GetBytes, Encoding.UTF8.GetString);

    private static Method<string, string> Unary(string service, string method) => new(MethodType.Unary, service, method, Utf8, Utf8);

    [Fact]
    public async Task GrpcNetClient_RoutedByServiceAndMethod_UnmatchedIsUnimplemented()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20));
        Assert.Equal("a /helloworld.Greeter/SayHello", await invoker.AsyncUnaryCall(Unary("helloworld.Greeter", "SayHello"), null, options, "hi"));
        Assert.Equal("d /helloworld.Greeter/SayHello",
            await invoker.AsyncUnaryCall(Unary("helloworld.Greeter", "SayHello"), null, options.WithHeaders([new Metadata.Entry("x-version", "v2")]), "hi"));
        Assert.Equal("c /grpc.health.v1.Health/Check", await invoker.AsyncUnaryCall(Unary("grpc.health.v1.Health", "Check"), null, options, "hi"));
        var unmatched = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(Unary("nobody.Svc", "Do"), null, options, "hi"));
        Assert.Equal(StatusCode.Unimplemented, unmatched.StatusCode);
    }

    [Fact]
    public async Task GrpcNetClient_BackendServiceMissing_IsUnavailableNamingTheBackend()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20));
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await channel.CreateCallInvoker().AsyncUnaryCall(Unary("missing.Svc", "Do"), null, options, "hi"));
        Assert.Equal(StatusCode.Unavailable, missing.StatusCode);
        Assert.Equal("route grpcroute default/traffic rule 3: backend default/nosuch:80: service default/nosuch not found", missing.Status.Detail);
    }

    [Fact]
    public async Task GrpcNetClient_NoReadyEndpoints_IsUnavailable()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20));
        var unready = await Assert.ThrowsAsync<RpcException>(async () => await channel.CreateCallInvoker().AsyncUnaryCall(Unary("unready.Svc", "Do"), null, options, "hi"));
        Assert.Equal(StatusCode.Unavailable, unready.StatusCode);
        Assert.Equal("route grpcroute default/traffic rule 6: backend default/idle:80: no ready endpoints", unready.Status.Detail);
    }

    [Fact]
    public async Task ProxyError_GrpcRoute_IsTrailersOnly()
    {
        using var client = Manifests.Client();
        using var response = await CallAsync(client, "any.test", "/missing.Svc/Do");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        var error = response.Headers.GetValues("x-switchyard-error").Single();
        Assert.Equal("route grpcroute default/traffic rule 3: backend default/nosuch:80: service default/nosuch not found", error);
        Assert.Equal(error, Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single()));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public void Statuses_Compile_ReportAcceptedAndResolvedRefsWithReasons()
    {
        var routes = _proxy.Statuses.Where(s => s.Status is Model.Gateway.GRPCRouteStatus).ToDictionary(s => s.Object.Metadata.Name, s => (Model.Gateway.GRPCRouteStatus)s.Status);
        Assert.Equal(["hosted", "methods", "newer-tie", "older-tie", "traffic"], routes.Keys.Order().ToArray());
        var methods = routes["methods"].Parents!.Single();
        Assert.Equal("switchyard.dev/gateway-controller", methods.ControllerName);
        Assert.Equal(("Accepted", "True", "Accepted"), (methods.Conditions![0].Type, methods.Conditions[0].Status, methods.Conditions[0].Reason));
        Assert.Equal(("ResolvedRefs", "True", "ResolvedRefs"), (methods.Conditions[1].Type, methods.Conditions[1].Status, methods.Conditions[1].Reason));
        var traffic = routes["traffic"].Parents!.Single().Conditions!;
        Assert.Equal(("True", "Accepted"), (traffic[0].Status, traffic[0].Reason));
        Assert.Equal(("ResolvedRefs", "False", "BackendNotFound"), (traffic[1].Type, traffic[1].Status, traffic[1].Reason));
        Assert.Equal(
            "backendRef default/nosuch:80: service default/nosuch not found; backendRef other/x: no ReferenceGrant in other allows GRPCRoutes from default",
            traffic[1].Message);
        var gateway = (Model.Gateway.GatewayStatus)_proxy.Statuses.Single(s => s.Status is Model.Gateway.GatewayStatus).Status;
        var listener = gateway.Listeners!.Single();
        Assert.Equal(5, listener.AttachedRoutes);
        Assert.Equal(["HTTPRoute", "GRPCRoute"], listener.SupportedKinds!.Select(k => k.Kind).ToArray());
    }
}
