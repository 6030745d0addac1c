using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ExternalAuth;

/// <summary>
/// The ExternalAuth filter (protocol HTTP) over real sockets, with a real authorization service: what the service
/// is sent (method, prefixed target, Host, Authorization, allowedHeaders only, X-Forwarded-*, the first maxSize bytes
/// of the body with their Content-Length), what its answers do (200 lets the request through with the allowed
/// headers, replacing spoofed copies; anything else goes to the client as it came), failing closed (service down,
/// no endpoints, too slow, missing or not permitted), connection reuse, invalid filters refused, metrics. Protocol GRPC:
/// <see cref="ExternalAuthGrpcTests"/>.
/// </summary>
public sealed class ExternalAuthTests : IAsyncLifetime
{
    private const string Host = "shop.test";
    private readonly ConcurrentQueue<Seen> _seen = new();
    private EchoBackend _echo = null!;
    private KestrelBackend _auth = null!;
    private GatewayProxy _proxy = null!;
    private int _port;
    private int _closed;

    /// <summary>One request as the authorization service received it.</summary>
    private sealed record Seen(string Method, string Target, string Host, Dictionary<string, string> Headers, string Body, string Connection);

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        _auth = await KestrelBackend.StartAsync(HttpProtocols.Http1AndHttp2, AuthorizeAsync);
        _closed = Ports.Closed();
        _proxy = await Manifests.StartAsync(GatewayYaml.Route(string.Join("\n",
            """
                - matches: [{path: {value: /api}}]
                  filters:
                    - type: ExternalAuth
                      externalAuth:
                        protocol: HTTP
                        backendRef: {name: authz, port: 80}
                        http: {path: /check, allowedHeaders: [x-tenant], allowedResponseHeaders: [x-user, x-roles]}
                        forwardBody: {maxSize: 8}
                  backendRefs: [{name: echo, port: 80}]
            """,
            ExternalAuthYaml.Rule("HTTP", "/all", "authz"),
            ExternalAuthYaml.Rule("HTTP", "/down", "down"),
            ExternalAuthYaml.Rule("HTTP", "/empty", "empty"),
            ExternalAuthYaml.Rule("HTTP", "/slow", "authz", more: "timeouts: {request: 500ms}"),
            ExternalAuthYaml.Rule("HTTP", "/half", "half"),
            """
                - matches: [{path: {value: /open}}]
                  backendRefs: [{name: echo, port: 80}]
            """), route: "shop") + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: refs, namespace: default}
            spec:
              parentRefs: [{name: web}]
              rules:
                - matches: [{path: {value: /missing}}]
                  filters: [{type: ExternalAuth, externalAuth: {protocol: HTTP, backendRef: {name: nosuch, port: 80}, http: {}}}]
                  backendRefs: [{name: echo, port: 80}]
                - matches: [{path: {value: /elsewhere}}]
                  filters: [{type: ExternalAuth, externalAuth: {protocol: HTTP, backendRef: {name: authz, namespace: sealed, port: 80}, http: {}}}]
                  backendRefs: [{name: echo, port: 80}]
                - matches: [{path: {value: /granted}}]
                  filters: [{type: ExternalAuth, externalAuth: {protocol: HTTP, backendRef: {name: authz, namespace: security, port: 80}, http: {}}}]
                  backendRefs: [{name: echo, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: routes-may-ask, namespace: security}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
              to: [{group: "", kind: Service}]
            ---

            """ + ExternalAuthYaml.Services(_echo.Port, _auth.Port, _closed) + Manifests.Service("empty")
            + Manifests.Service("authz", "sealed", "", _auth.Port) + Manifests.Service("authz", "security", "", _auth.Port),
            new ProxyOptions { Admin = new IPEndPoint(IPAddress.Loopback, 0) });
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _auth.DisposeAsync();
        await _echo.DisposeAsync();
    }

    /// <summary>
    /// The authorization service: records what it got, then decides by the Authorization header. "Bearer good": 200
    /// naming the user; "Bearer anon": 200 naming no one; "Bearer slow": no answer for 10 s; "Bearer login": 302;
    /// "Bearer created": 201; anything else: 401 with a challenge and a body.
    /// </summary>
    private async Task AuthorizeAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        _seen.Enqueue(new Seen(request.Method, context.Features.Get<IHttpRequestFeature>()!.RawTarget, request.Host.Value ?? "", headers, body, context.Connection.Id));
        var response = context.Response;
        switch (request.Headers.Authorization.ToString())
        {
            case "Bearer good":
                response.Headers["x-user"] = "alice";
                response.Headers.Append("x-roles", "admin");
                response.Headers.Append("x-roles", "buyer");
                response.Headers["x-auth-extra"] = "1";
                await response.WriteAsync("ok, alice");
                break;
            case "Bearer anon":
                response.Headers["x-auth-extra"] = "anonymous";
                break;
            case "Bearer slow":
                await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
                break;
            case "Bearer login":
                response.StatusCode = 302;
                response.Headers.Location = "https://login.shop.test/?next=/api";
                response.Headers.SetCookie = "state=xyz; HttpOnly";
                break;
            case "Bearer created":
                response.StatusCode = 201;
                break;
            default:
                response.StatusCode = 401;
                response.Headers.WWWAuthenticate = "Bearer realm=\"shop\"";
                response.Headers["x-auth-reason"] = "no-token";
                response.ContentType = "text/plain";
                await response.WriteAsync("who are you?\n");
                break;
        }
    }

    private Seen LastSeen() => _seen.Last();

    private static string Rule(int i, string route = "shop") => $"httproute default/{route} rule {i}";

    private Task<HttpResponseMessage> SendAsync(string method, string path, HttpContent? body = null, params (string Name, string Value)[] headers) =>
        Manifests.SendAsync(_port, Host, method, path, body, headers);

    private static string? Header(HttpResponseMessage response, string name) => Manifests.Header(response, name);

    /// <summary>The x-roles values the backend got (two header lines from the service), as "a,b".</summary>
    private static string? Roles(HttpResponseMessage response) => Header(response, "x-echo-h-x-roles")?.Replace(" ", "", StringComparison.Ordinal);

    [Fact]
    public async Task Allowed_ServiceGetsMethodPrefixedTargetHostAndAllowedHeadersOnly()
    {
        using var response = await SendAsync("GET", "/api/orders?id=7&x=%2F", null,
            ("Authorization", "Bearer good"), ("x-tenant", "t1"), ("x-other", "secret"), ("Cookie", "sid=1"), ("X-Forwarded-For", "10.9.9.9"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo ", await response.Content.ReadAsStringAsync());
        var seen = LastSeen();
        Assert.Equal(("GET", "/check/api/orders?id=7&x=%2F", Host, ""), (seen.Method, seen.Target, seen.Host, seen.Body));
        Assert.Equal("Bearer good", seen.Headers["authorization"]);
        Assert.Equal("t1", seen.Headers["x-tenant"]);
        Assert.Equal("0", seen.Headers["content-length"]);
        Assert.Equal("10.9.9.9, 127.0.0.1", seen.Headers["x-forwarded-for"]);
        Assert.Equal(("http", Host), (seen.Headers["x-forwarded-proto"], seen.Headers["x-forwarded-host"]));
        // Not in allowedHeaders: never sent. The partial-body flag comes with forwardBody.
        Assert.False(seen.Headers.ContainsKey("x-other"));
        Assert.False(seen.Headers.ContainsKey("cookie"));
        Assert.Equal("false", seen.Headers["x-switchyard-auth-partial-body"]);
        // The backend gets the client's request, target untouched, with the service's allowed headers.
        Assert.Equal("/api/orders?id=7&x=%2F", Header(response, "x-echo-target"));
        Assert.Equal("alice", Header(response, "x-echo-h-x-user"));
        Assert.Equal("admin,buyer", Roles(response));
        Assert.Null(Header(response, "x-echo-h-x-auth-extra")); // not in allowedResponseHeaders
        Assert.Equal("secret", Header(response, "x-echo-h-x-other"));
        Assert.Equal(1, _echo.Requests);
    }

    [Fact]
    public async Task Allowed_SpoofedIdentityHeaders_ReplacedOrRemoved()
    {
        // The service names the user: the client's own x-user is replaced.
        using var named = await SendAsync("GET", "/api", null, ("Authorization", "Bearer good"), ("x-user", "mallory"), ("x-roles", "root"));
        Assert.Equal(("alice", "admin,buyer"), (Header(named, "x-echo-h-x-user"), Roles(named)));
        // The service names no one: headers in allowedResponseHeaders are the service's alone, so the client's are dropped.
        using var anonymous = await SendAsync("GET", "/api", null, ("Authorization", "Bearer anon"), ("x-user", "mallory"), ("x-roles", "root"));
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Null(Header(anonymous, "x-echo-h-x-user"));
        Assert.Null(Header(anonymous, "x-echo-h-x-roles"));
        // A client naming the service's headers (or the proxy's own) in Connection does not get them dropped on the way.
        using var nominated = await SendAsync("GET", "/api", null, ("Authorization", "Bearer good"), ("Connection", "x-user, x-roles, x-forwarded-for"));
        Assert.Equal(("alice", "admin,buyer", "127.0.0.1"), (Header(nominated, "x-echo-h-x-user"), Roles(nominated), Header(nominated, "x-echo-h-x-forwarded-for")));
    }

    [Fact]
    public async Task Allowed_NoAllowedResponseHeaders_EveryHeaderOfTheAnswerButItsOwnFraming()
    {
        using var response = await SendAsync("GET", "/all/x", null, ("Authorization", "Bearer good"), ("x-user", "mallory"), ("x-tenant", "t1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = LastSeen();
        Assert.Equal("/all/x", seen.Target); // no prefix
        Assert.False(seen.Headers.ContainsKey("x-tenant")); // no allowedHeaders: only the ones always sent
        Assert.False(seen.Headers.ContainsKey("x-switchyard-auth-partial-body")); // no forwardBody
        Assert.Equal(("alice", "admin,buyer", "1"), (Header(response, "x-echo-h-x-user"), Roles(response), Header(response, "x-echo-h-x-auth-extra")));
        // The answer's own Content-Length, Content-Type, Date and Server describe it, not the request.
        Assert.Null(Header(response, "x-echo-h-content-length"));
        Assert.Null(Header(response, "x-echo-h-content-type"));
        Assert.Null(Header(response, "x-echo-h-date"));
        Assert.Null(Header(response, "x-echo-h-server"));
        Assert.Equal(Host, Header(response, "x-echo-host"));
    }

    [Fact]
    public async Task Denied_ServiceAnswerGoesToTheClientAsItCame()
    {
        using var response = await SendAsync("GET", "/api/orders", null, ("x-tenant", "t1"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"shop\"", Header(response, "WWW-Authenticate"));
        Assert.Equal("no-token", Header(response, "x-auth-reason"));
        Assert.Equal("text/plain", Header(response, "Content-Type"));
        Assert.Equal("who are you?\n", await response.Content.ReadAsStringAsync());
        Assert.Null(Header(response, "x-switchyard-error")); // the service's answer, not the proxy's
        Assert.Null(Header(response, "x-backend"));
        Assert.Equal(0, _echo.Requests);
    }

    [Theory]
    [InlineData("Bearer login", HttpStatusCode.Found)]
    [InlineData("Bearer created", HttpStatusCode.Created)] // only 200 allows: any other status is a denial
    public async Task Denied_OtherStatuses_NotForwarded(string authorization, HttpStatusCode status)
    {
        using var response = await SendAsync("POST", "/api", new StringContent("pay"), ("Authorization", authorization));
        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.Found)
        {
            Assert.Equal("https://login.shop.test/?next=/api", Header(response, "Location"));
            Assert.Equal("state=xyz; HttpOnly", Header(response, "Set-Cookie"));
        }
        Assert.Equal(0, _echo.Requests);
    }

    [Fact]
    public async Task ForwardBody_ServiceGetsFirstMaxSizeBytes_BackendGetsTheWholeBody()
    {
        using var longer = await SendAsync("POST", "/api/pay", new StringContent("0123456789abcdef"), ("Authorization", "Bearer good"));
        Assert.Equal("echo 0123456789abcdef", await longer.Content.ReadAsStringAsync());
        var seen = LastSeen();
        Assert.Equal(("POST", "01234567", "8", "true"), (seen.Method, seen.Body, seen.Headers["content-length"], seen.Headers["x-switchyard-auth-partial-body"]));
        Assert.Equal("text/plain; charset=utf-8", Header(longer, "x-echo-h-content-type"));

        using var shorter = await SendAsync("POST", "/api/pay", new StringContent("abc"), ("Authorization", "Bearer good"));
        Assert.Equal("echo abc", await shorter.Content.ReadAsStringAsync());
        seen = LastSeen();
        Assert.Equal(("abc", "3", "false"), (seen.Body, seen.Headers["content-length"], seen.Headers["x-switchyard-auth-partial-body"]));

        using var exact = await SendAsync("PUT", "/api/pay", new StringContent("12345678"), ("Authorization", "Bearer good"));
        Assert.Equal("echo 12345678", await exact.Content.ReadAsStringAsync());
        Assert.Equal(("12345678", "false"), (LastSeen().Body, LastSeen().Headers["x-switchyard-auth-partial-body"]));
    }

    [Fact]
    public async Task ForwardBody_ChunkedAndLargeBodies_StreamWholeToTheBackend()
    {
        using var chunked = await SendAsync("POST", "/api/upload", new UnsizedContent("chunked-body-of-some-length"), ("Authorization", "Bearer good"));
        Assert.Equal(HttpStatusCode.OK, chunked.StatusCode);
        Assert.Equal("echo chunked-body-of-some-length", await chunked.Content.ReadAsStringAsync());
        Assert.Equal(("chunked-", "true"), (LastSeen().Body, LastSeen().Headers["x-switchyard-auth-partial-body"]));
        Assert.Equal("chunked", Header(chunked, "x-echo-h-transfer-encoding"));

        var large = new string('z', 300_000);
        using var big = await SendAsync("POST", "/api/upload", new StringContent(large), ("Authorization", "Bearer good"));
        Assert.Equal("echo " + large, await big.Content.ReadAsStringAsync());
        Assert.Equal("zzzzzzzz", LastSeen().Body);
    }

    [Fact]
    public async Task ForwardBody_DeniedPost_BodyNeverReachesBackend()
    {
        using var response = await SendAsync("POST", "/api/pay", new StringContent("0123456789"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("01234567", LastSeen().Body);
        Assert.Equal(0, _echo.Requests);
    }

    [Theory]
    [InlineData("/down", 2, 503, "external auth default/down:80: endpoint 127.0.0.1:{closed}: connect failed")]
    [InlineData("/empty", 3, 503, "external auth default/empty:80: no ready endpoints")]
    [InlineData("/slow", 4, 504, "external auth default/authz:80: endpoint 127.0.0.1:{auth}: no answer within 0.5s")]
    public async Task ServiceUnusable_FailsClosed(string path, int rule, int status, string error)
    {
        using var response = await SendAsync("GET", path, null, ("Authorization", "Bearer slow"));
        Assert.Equal(status, (int)response.StatusCode);
        var expected = $"route {Rule(rule)}: " + error.Replace("{closed}", _closed.ToString(), StringComparison.Ordinal).Replace("{auth}", _auth.Port.ToString(), StringComparison.Ordinal);
        Assert.StartsWith(expected, Header(response, "x-switchyard-error"), StringComparison.Ordinal);
        Assert.Equal(0, _echo.Requests);
        Assert.Equal(1, _proxy.Runtime.Metrics.ExternalAuthCount(Rule(rule), "failed"));
    }

    [Fact]
    public async Task ServiceWithARefusingEndpoint_TheOtherEndpointAnswers()
    {
        for (var i = 0; i < 6; i++)
        {
            using var response = await SendAsync("GET", "/half", null, ("Authorization", "Bearer good"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(6, _echo.Requests);
    }

    [Fact]
    public async Task References_MissingOrNotPermitted_ResolvedRefsFalseAndRequestsRefused()
    {
        var status = (HTTPRouteStatus)_proxy.Statuses.Single(s => s.Object is HTTPRoute { Metadata.Name: "refs" }).Status;
        var conditions = status.Parents!.Single().Conditions!;
        var accepted = conditions.Single(c => c.Type == "Accepted");
        var resolved = conditions.Single(c => c.Type == "ResolvedRefs");
        Assert.Equal("True", accepted.Status); // the rules are served: they refuse their requests
        Assert.Equal(("False", "BackendNotFound"), (resolved.Status, resolved.Reason));
        Assert.Contains("externalAuth backendRef default/nosuch:80: service default/nosuch not found", resolved.Message, StringComparison.Ordinal);
        Assert.Contains("externalAuth backendRef sealed/authz: no ReferenceGrant in sealed allows HTTPRoutes from default", resolved.Message, StringComparison.Ordinal);

        using var missing = await SendAsync("GET", "/missing", null, ("Authorization", "Bearer good"));
        Assert.Equal(HttpStatusCode.InternalServerError, missing.StatusCode);
        Assert.Equal($"route {Rule(0, "refs")}: external auth default/nosuch:80: service default/nosuch not found", Header(missing, "x-switchyard-error"));
        using var elsewhere = await SendAsync("GET", "/elsewhere", null, ("Authorization", "Bearer good"));
        Assert.Equal(HttpStatusCode.InternalServerError, elsewhere.StatusCode);
        Assert.Equal($"route {Rule(1, "refs")}: external auth sealed/authz:80: reference not permitted", Header(elsewhere, "x-switchyard-error"));
        Assert.Equal(0, _echo.Requests);

        using var granted = await SendAsync("GET", "/granted", null, ("Authorization", "Bearer good"));
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Equal("alice", Header(granted, "x-echo-h-x-user"));
    }

    [Fact]
    public async Task RuleWithoutExternalAuth_ServiceNeverAsked()
    {
        using var response = await SendAsync("GET", "/open", null, ("x-user", "mallory"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("mallory", Header(response, "x-echo-h-x-user"));
        Assert.Empty(_seen);
    }

    [Fact]
    public async Task Connections_ReusedAcrossChecks()
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await SendAsync("GET", "/api", null, ("Authorization", "Bearer good"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(5, _seen.Count);
        Assert.Single(_seen.Select(s => s.Connection).Distinct());
    }

    [Fact]
    public async Task Metrics_AllowedDeniedFailed_CountedByRoute()
    {
        (await SendAsync("GET", "/api", null, ("Authorization", "Bearer good"))).Dispose();
        (await SendAsync("GET", "/api", null, ("Authorization", "Bearer good"))).Dispose();
        (await SendAsync("GET", "/api")).Dispose();
        (await SendAsync("GET", "/down")).Dispose();
        using var client = Manifests.Client();
        var metrics = await client.GetStringAsync(new Uri(_proxy.AdminUrl!, "/metrics"));
        string[] expected =
        [
            $"switchyard_proxy_external_auth_total{{route=\"{Rule(0)}\",result=\"allowed\"}} 2",
            $"switchyard_proxy_external_auth_total{{route=\"{Rule(0)}\",result=\"denied\"}} 1",
            $"switchyard_proxy_external_auth_total{{route=\"{Rule(2)}\",result=\"failed\"}} 1",
        ];
        foreach (var line in expected) Assert.Contains(line, metrics.Split('\n'));
        Assert.Contains($"switchyard_proxy_requests_total{{route=\"{Rule(0)}\",backend=\"\",code=\"401\"}} 1", metrics.Split('\n'));
    }

    [SkippableTheory]
    [InlineData("--http1.1")]
    [InlineData("--http2-prior-knowledge")]
    public async Task Curl_AllowedAndDenied(string protocol)
    {
        Curl.SkipIfMissing();
        var (exit, output, error) = await Curl.RunAsync(protocol, "-i", $"http://127.0.0.1:{_port}/api/x", "-H", $"Host: {Host}",
            "-H", "Authorization: Bearer good", "--data-binary", "curl-body-0123456789");
        Assert.True(exit == 0, error);
        var lines = output.Split("\r\n");
        Assert.Matches("^HTTP/(1.1|2) 200", lines[0]);
        Assert.Contains("x-echo-h-x-user: alice", lines, StringComparer.OrdinalIgnoreCase);
        Assert.EndsWith("echo curl-body-0123456789", output, StringComparison.Ordinal);
        Assert.Equal("curl-bod", LastSeen().Body);

        (exit, output, error) = await Curl.RunAsync(protocol, "-i", $"http://127.0.0.1:{_port}/api/x", "-H", $"Host: {Host}");
        Assert.True(exit == 0, error);
        lines = output.Split("\r\n");
        Assert.Matches("^HTTP/(1.1|2) 401", lines[0]);
        Assert.Contains("www-authenticate: Bearer realm=\"shop\"", lines, StringComparer.OrdinalIgnoreCase);
        Assert.EndsWith("who are you?\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{protocol: GRPC, backendRef: {name: authz, port: 80}}",
        "rule 0: ExternalAuth: spec.rules[0].filters[0].externalAuth.grpc: Required value: must be set when protocol is GRPC")]
    [InlineData("{protocol: HTTP, backendRef: {name: authz, port: 80}}",
        "rule 0: ExternalAuth: spec.rules[0].filters[0].externalAuth.http: Required value: must be set when protocol is HTTP")]
    [InlineData("{protocol: HTTP, backendRef: {name: authz, port: 80}, http: {allowedResponseHeaders: [x-user, Content-Length]}}",
        "rule 0: ExternalAuth: allowedResponseHeaders: Content-Length can not be copied onto the request to the backend")]
    [InlineData("{protocol: HTTP, http: {}, forwardBody: {maxSize: 70000}}",
        "spec.rules[0].filters[0].externalAuth.backendRef: Required value; spec.rules[0].filters[0].externalAuth.forwardBody.maxSize: Invalid value: 70000: must be between 0 and 65535, inclusive")]
    public async Task RefusedFilter_RouteNotAcceptedAndNothingServed(string filter, string message)
    {
        // Read without validation (as an object that skipped admission would be): the proxy checks the filter again.
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route($"    - filters: [{{type: ExternalAuth, externalAuth: {filter}}}]\n      backendRefs: [{{name: echo, port: 80}}]")
            + Manifests.Service("echo", _echo.Port) + Manifests.Service("authz", _auth.Port));
        var route = (HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is HTTPRoute).Status;
        var accepted = route.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains(message, accepted.Message, StringComparison.Ordinal);
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), Host, "GET", "/", ("Authorization", "Bearer good")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // refused, never passed through unauthenticated
        Assert.Equal(0, _echo.Requests);
    }

    [Fact]
    public async Task ExternalAuthOnBackendRef_RouteNotAccepted()
    {
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route(
            $"    - backendRefs: [{{name: echo, port: 80, filters: [{ExternalAuthYaml.Filter("HTTP", "authz")}]}}]")
            + Manifests.Service("echo", _echo.Port) + Manifests.Service("authz", _auth.Port));
        var route = (HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is HTTPRoute).Status;
        var accepted = route.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("rule 0: backendRef echo: filter ExternalAuth is not supported on a backendRef", accepted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServicePortWithAppProtocolH2c_AskedOverHttp2()
    {
        await using var h2 = await KestrelBackend.StartAsync(HttpProtocols.Http2, context =>
        {
            context.Response.Headers["x-user"] = context.Request.Protocol;
            return Task.CompletedTask;
        });
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - filters: [{type: ExternalAuth, externalAuth: {protocol: HTTP, backendRef: {name: authz2, port: 80}, http: {allowedResponseHeaders: [x-user]}}}]
                  backendRefs: [{name: echo, port: 80}]
            """) + Manifests.Service("echo", _echo.Port) + $$$"""
            apiVersion: v1
            kind: Service
            metadata: {name: authz2, namespace: default}
            spec: {ports: [{name: http, port: 80, appProtocol: kubernetes.io/h2c}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: authz2-1, namespace: default, labels: {kubernetes.io/service-name: authz2}}
            addressType: IPv4
            ports: [{name: http, port: {{{h2.Port}}}}]
            endpoints: [{addresses: ["127.0.0.1"]}]
            ---

            """);
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), Host, "POST", "/x", ("Authorization", "Bearer good")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HTTP/2", Header(response, "x-echo-h-x-user"));
    }

    /// <summary>A body of unknown length: HttpClient sends it chunked.</summary>
    private sealed class UnsizedContent(string text) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
