using System.Net;
using Envoy.Config.Core.V3;
using Envoy.Service.Auth.V3;
using Grpc.Core;
using Switchyard.Model.Manifests;
using Switchyard.Proxy.Tests.Support;
using AppendAction = Envoy.Config.Core.V3.HeaderValueOption.Types.HeaderAppendAction;
using RpcStatus = Google.Rpc.Status;

namespace Switchyard.Proxy.Tests.ExternalAuth;

/// <summary>
/// The ExternalAuth filter with protocol GRPC (Envoy's ext_authz gRPC API) over real sockets, with a real gRPC
/// authorization service on Kestrel (h2c): what the CheckRequest carries (method, target, host, scheme, protocol,
/// addresses, exactly the allowed headers or all of them, the first maxSize body bytes), what the CheckResponse does
/// (OK: header changes on the request to the backend and on the client's answer; any other code: the denial's
/// status, headers and body to the client, 403 by default; error_response: the same, counted as failed, 502 by
/// default), failing closed (service down, too slow, no verdict), the grpc-timeout each call carries, and metrics.
/// </summary>
public sealed class ExternalAuthGrpcTests : IAsyncLifetime
{
    private const string Host = "shop.test";
    private EchoBackend _echo = null!;
    private ExtAuthzServer _auth = null!;
    private GatewayProxy _proxy = null!;
    private int _port;
    private int _closed;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        _auth = await ExtAuthzServer.StartAsync(DecideAsync);
        _closed = Ports.Closed();
        _proxy = await Manifests.StartAsync(GatewayYaml.Route(string.Join("\n",
            """
                - matches: [{path: {value: /api}}]
                  filters:
                    - type: ExternalAuth
                      externalAuth:
                        protocol: GRPC
                        backendRef: {name: authz, port: 80}
                        grpc: {allowedHeaders: [Authorization, x-tenant]}
                        forwardBody: {maxSize: 8}
                  backendRefs: [{name: echo, port: 80}]
            """,
            ExternalAuthYaml.Rule("GRPC", "/all", "authz"),
            ExternalAuthYaml.Rule("GRPC", "/down", "down"),
            ExternalAuthYaml.Rule("GRPC", "/slow", "authz", more: "timeouts: {request: 500ms}"),
            ExternalAuthYaml.Rule("GRPC", "/half", "half"),
            ExternalAuthYaml.Rule("GRPC", "/missing", "nosuch")), route: "shop") + ExternalAuthYaml.Services(_echo.Port, _auth.Port, _closed),
            new ProxyOptions { Admin = new IPEndPoint(IPAddress.Loopback, 0) });
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _auth.DisposeAsync();
        await _echo.DisposeAsync();
    }

    private static HeaderValueOption Header(string name, string value, bool? append = null, AppendAction action = AppendAction.AppendIfExistsOrAdd)
    {
        var option = new HeaderValueOption { Header = new HeaderValue { Key = name, Value = value }, AppendAction = action };
        if (append is { } a) option.Append = a;
        return option;
    }

    /// <summary>
    /// The authorization service decides by the Authorization header. "Bearer good": OK, naming the user (replacing
    /// the client's x-user), two roles, removing the credentials, and a header for the client; "Bearer bare": denied
    /// with no denied_response; "Bearer slow": no answer for 10 s; "Bearer broken": fails the call itself
    /// (Unimplemented); "Bearer overloaded": an error_response (503, Retry-After, a body); "Bearer error-bare": an
    /// error_response with nothing in it; anything else: denied 401 with a challenge, a reason and a body.
    /// </summary>
    private static async Task<CheckResponse> DecideAsync(CheckRequest request, ServerCallContext context)
    {
        request.Attributes.Request.Http.Headers.TryGetValue("authorization", out var authorization);
        switch (authorization)
        {
            case "Bearer good":
                var ok = new OkHttpResponse
                {
                    Headers =
                    {
                        Header("x-user", "alice"), // no append, default action: replaces
                        Header("x-roles", "admin", action: AppendAction.OverwriteIfExistsOrAdd),
                        Header("x-roles", "buyer", append: true),
                        Header("x-tenant", "t-default", action: AppendAction.AddIfAbsent),
                        Header("x-absent", "never", action: AppendAction.OverwriteIfExists),
                        Header("Host", "evil.test"), // never changed
                        Header(":path", "/elsewhere"), // never changed
                    },
                    HeadersToRemove = { "authorization", "x-secret", "content-length", ":authority" },
                    ResponseHeadersToAdd = { Header("x-auth-trace", "t-1") },
                };
                return new CheckResponse { Status = new RpcStatus { Code = 0 }, OkResponse = ok };
            case "Bearer bare":
                return new CheckResponse { Status = new RpcStatus { Code = (int)StatusCode.PermissionDenied } };
            case "Bearer slow":
                await Task.Delay(TimeSpan.FromSeconds(10), context.CancellationToken);
                return new CheckResponse();
            case "Bearer broken":
                throw new RpcException(new Status(StatusCode.Unimplemented, "not here"));
            case "Bearer overloaded":
                var error = new DeniedHttpResponse
                {
                    Status = new Envoy.Type.V3.HttpStatus { Code = (Envoy.Type.V3.StatusCode)503 },
                    Headers = { Header("retry-after", "5") },
                    Body = "try again later\n",
                };
                return new CheckResponse { Status = new RpcStatus { Code = (int)StatusCode.Unavailable }, ErrorResponse = error };
            case "Bearer error-bare":
                return new CheckResponse { Status = new RpcStatus { Code = (int)StatusCode.Internal }, ErrorResponse = new DeniedHttpResponse() };
            case "Bearer error-bad-status":
                return new CheckResponse { Status = new RpcStatus { Code = (int)StatusCode.Internal }, ErrorResponse = new DeniedHttpResponse { Status = new Envoy.Type.V3.HttpStatus { Code = (Envoy.Type.V3.StatusCode)99 } } };
            case "Bearer bad-header":
                return new CheckResponse { OkResponse = new OkHttpResponse { Headers = { Header("x-user", "alice\r\nx-admin: 1") } } };
            default:
                var denied = new DeniedHttpResponse
                {
                    Status = new Envoy.Type.V3.HttpStatus { Code = Envoy.Type.V3.StatusCode.Unauthorized },
                    Headers = { Header("www-authenticate", "Bearer realm=\"shop\""), Header("x-auth-reason", "no-token"), Header("set-cookie", "a=1"), Header("set-cookie", "b=2", append: true) },
                    Body = "who are you?\n",
                };
                return new CheckResponse { Status = new RpcStatus { Code = (int)StatusCode.Unauthenticated }, DeniedResponse = denied };
        }
    }

    private AttributeContext.Types.HttpRequest LastSeen() => _auth.Seen.Last().Attributes.Request.Http;

    private static string Rule(int i) => $"httproute default/shop rule {i}";

    private Task<HttpResponseMessage> SendAsync(string method, string path, HttpContent? body = null, params (string Name, string Value)[] headers) =>
        Manifests.SendAsync(_port, Host, method, path, body, headers);

    private static string? Header(HttpResponseMessage response, string name) => Manifests.Header(response, name);

    [Fact]
    public async Task AllowedHeaders_ServiceGetsExactlyThoseAndTheRequestsAttributes()
    {
        using var response = await SendAsync("GET", "/api/orders?id=7&x=%2F", null,
            ("Authorization", "Bearer good"), ("x-tenant", "t1"), ("x-other", "secret"), ("Cookie", "sid=1"), ("X-Forwarded-For", "10.9.9.9"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = LastSeen();
        Assert.Equal(("GET", "/api/orders?id=7&x=%2F", Host, "http", "HTTP/1.1"), (seen.Method, seen.Path, seen.Host, seen.Scheme, seen.Protocol));
        Assert.NotEmpty(seen.Id);
        Assert.Equal(0, seen.Size);
        // Only the named headers (and the partial-body flag of forwardBody), lower-case; no X-Forwarded-* unless named.
        Assert.Equal(
            new[] { ("authorization", "Bearer good"), ("x-envoy-auth-partial-body", "false"), ("x-tenant", "t1") },
            seen.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => (h.Key, h.Value)));
        Assert.Equal(("", 0), (seen.Body, seen.RawBody.Length));
        var attributes = _auth.Seen.Last().Attributes;
        Assert.Equal("127.0.0.1", attributes.Source.Address.SocketAddress.Address);
        Assert.Equal((uint)_port, attributes.Destination.Address.SocketAddress.PortValue);
        Assert.NotNull(attributes.Request.Time);
    }

    [Fact]
    public async Task NoAllowedHeaders_ServiceGetsEveryHeaderAsTheBackendWould()
    {
        using var response = await SendAsync("GET", "/all/x?y=1", null,
            ("Authorization", "Bearer good"), ("x-other", "secret"), ("Cookie", "sid=1"), ("X-Forwarded-For", "10.9.9.9"), ("Connection", "x-hop"), ("x-hop", "1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = LastSeen();
        Assert.Equal("/all/x?y=1", seen.Path);
        Assert.Equal(
            new[]
            {
                ("authorization", "Bearer good"), ("cookie", "sid=1"), ("x-forwarded-for", "10.9.9.9, 127.0.0.1"),
                ("x-forwarded-host", Host), ("x-forwarded-proto", "http"), ("x-other", "secret"),
            },
            seen.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => (h.Key, h.Value)));
    }

    [Fact]
    public async Task Ok_HeaderChangesReachTheBackend_ResponseHeadersTheClient()
    {
        using var response = await SendAsync("GET", "/all/x", null,
            ("Authorization", "Bearer good"), ("x-user", "mallory"), ("x-roles", "root"), ("x-tenant", "t1"), ("x-secret", "s"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo ", await response.Content.ReadAsStringAsync());
        Assert.Equal("alice", Header(response, "x-echo-h-x-user")); // replaced, not appended to the client's
        Assert.Equal("admin,buyer", Header(response, "x-echo-h-x-roles")?.Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("t1", Header(response, "x-echo-h-x-tenant")); // add if absent: it was there
        Assert.Null(Header(response, "x-echo-h-x-absent")); // overwrite if exists: it was not
        // headers_to_remove: the credentials never reach the backend.
        Assert.Null(Header(response, "x-echo-h-authorization"));
        Assert.Null(Header(response, "x-echo-h-x-secret"));
        // Host and pseudo-headers are never changed.
        Assert.Equal((Host, "/all/x"), (Header(response, "x-echo-host"), Header(response, "x-echo-target")));
        // response_headers_to_add: on the client's answer.
        Assert.Equal("t-1", Header(response, "x-auth-trace"));
        Assert.Equal(1, _echo.Requests);
    }

    [Fact]
    public async Task Denied_StatusHeadersAndBodyGoToTheClient()
    {
        using var response = await SendAsync("GET", "/api/orders", null, ("x-tenant", "t1"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"shop\"", Header(response, "WWW-Authenticate"));
        Assert.Equal("no-token", Header(response, "x-auth-reason"));
        Assert.Equal(new[] { "a=1", "b=2" }, response.Headers.GetValues("Set-Cookie"));
        Assert.Equal("text/plain", Header(response, "Content-Type"));
        Assert.Equal("who are you?\n", await response.Content.ReadAsStringAsync());
        Assert.Null(Header(response, "x-switchyard-error")); // the service's answer, not the proxy's
        Assert.Equal(0, _echo.Requests);
    }

    [Fact]
    public async Task Denied_WithoutDeniedResponse_403()
    {
        using var response = await SendAsync("POST", "/api", new StringContent("pay"), ("Authorization", "Bearer bare"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _echo.Requests);
    }

    [Fact]
    public async Task ErrorResponse_ItsStatusHeadersAndBodyGoToTheClient_CountedAsFailed()
    {
        using var response = await SendAsync("GET", "/api/orders", null, ("Authorization", "Bearer overloaded"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", Header(response, "Retry-After"));
        Assert.Equal("try again later\n", await response.Content.ReadAsStringAsync());
        Assert.Null(Header(response, "x-switchyard-error")); // the service's answer, not the proxy's
        Assert.Equal(0, _echo.Requests);
        Assert.Equal((1, 0), (_proxy.Runtime.Metrics.ExternalAuthCount(Rule(0), "failed"), _proxy.Runtime.Metrics.ExternalAuthCount(Rule(0), "denied")));
    }

    [Fact]
    public async Task ErrorResponse_WithoutStatus_502()
    {
        using var response = await SendAsync("GET", "/api/orders", null, ("Authorization", "Bearer error-bare"));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _echo.Requests);
        Assert.Equal(1, _proxy.Runtime.Metrics.ExternalAuthCount(Rule(0), "failed"));
    }

    /// <summary>
    /// Each Check carries grpc-timeout: what is left of the limit, the gateway's ExternalAuthTimeout (10 s by default)
    /// or the rule's shorter timeouts.request (500 ms on /slow). Only its bounds are asserted, not how long anything took.
    /// </summary>
    [Theory]
    [InlineData("/all", 10_000)]
    [InlineData("/slow", 500)]
    public async Task Check_SendsGrpcTimeout_AtMostTheEffectiveLimit(string path, int limitMs)
    {
        using var response = await SendAsync("GET", path, null, ("Authorization", "Bearer good"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var header = _auth.Timeouts.Last();
        Assert.NotNull(header);
        var timeout = GrpcTimeout(header);
        Assert.True(timeout > TimeSpan.Zero && timeout <= TimeSpan.FromMilliseconds(limitMs), $"grpc-timeout {header} is not within (0, {limitMs}ms]");
    }

    /// <summary>A grpc-timeout value: up to 8 digits and a unit (H, M, S, m, u, n), as the gRPC HTTP/2 protocol defines it.</summary>
    private static TimeSpan GrpcTimeout(string value)
    {
        Assert.Matches("^[0-9]{1,8}[HMSmun]$", value);
        var amount = long.Parse(value[..^1], System.Globalization.CultureInfo.InvariantCulture);
        return value[^1] switch
        {
            'H' => TimeSpan.FromHours(amount),
            'M' => TimeSpan.FromMinutes(amount),
            'S' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMilliseconds(amount),
            'u' => TimeSpan.FromMicroseconds(amount),
            _ => TimeSpan.FromTicks(amount / 100),
        };
    }

    [Fact]
    public async Task ForwardBody_ServiceGetsFirstMaxSizeBytes_BackendGetsTheWholeBody()
    {
        using var longer = await SendAsync("POST", "/api/pay", new StringContent("0123456789abcdef"), ("Authorization", "Bearer good"));
        Assert.Equal("echo 0123456789abcdef", await longer.Content.ReadAsStringAsync());
        var seen = LastSeen();
        Assert.Equal(("POST", "01234567", "01234567", "true", 16L), (seen.Method, seen.Body, seen.RawBody.ToStringUtf8(), seen.Headers["x-envoy-auth-partial-body"], seen.Size));

        using var shorter = await SendAsync("POST", "/api/pay", new StringContent("abc"), ("Authorization", "Bearer good"));
        Assert.Equal("echo abc", await shorter.Content.ReadAsStringAsync());
        Assert.Equal(("abc", "false"), (LastSeen().RawBody.ToStringUtf8(), LastSeen().Headers["x-envoy-auth-partial-body"]));

        // Not UTF-8: raw_body only.
        using var binary = await SendAsync("POST", "/api/pay", new ByteArrayContent([0xff, 0xfe, 0x00, 0x01]), ("Authorization", "Bearer good"));
        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        Assert.Equal("", LastSeen().Body);
        Assert.Equal(new byte[] { 0xff, 0xfe, 0x00, 0x01 }, LastSeen().RawBody.ToByteArray());
    }

    [Theory]
    [InlineData("/down", "Bearer good", 2, 503, "external auth default/down:80: endpoint 127.0.0.1:{closed}: connect failed (ConnectionRefused)")]
    [InlineData("/slow", "Bearer slow", 3, 504, "external auth default/authz:80: endpoint 127.0.0.1:{auth}: no answer within 0.5s")]
    [InlineData("/all", "Bearer broken", 1, 502, "external auth default/authz:80: endpoint 127.0.0.1:{auth}: answered gRPC status Unimplemented (not here), which is no verdict")]
    [InlineData("/all", "Bearer error-bad-status", 1, 502, "external auth default/authz:80: endpoint 127.0.0.1:{auth}: error_response.status 99 is no final HTTP status")]
    [InlineData("/all", "Bearer bad-header", 1, 502, "external auth default/authz:80: endpoint 127.0.0.1:{auth}: ok_response.headers: x-user has a value no header may have")]
    [InlineData("/missing", "Bearer good", 5, 500, "external auth default/nosuch:80: service default/nosuch not found")]
    public async Task ServiceUnusable_FailsClosed(string path, string authorization, int rule, int status, string error)
    {
        using var response = await SendAsync("GET", path, null, ("Authorization", authorization));
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
    public async Task Connections_ReusedAcrossChecks()
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await SendAsync("GET", "/all", null, ("Authorization", "Bearer good"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(5, _auth.Connections.Count);
        Assert.Single(_auth.Connections.Distinct());
    }

    [Fact]
    public async Task EndpointLeaves_ItsChannelIsDropped_TheNewEndpointGetsOne()
    {
        await using var moved = await ExtAuthzServer.StartAsync(DecideAsync);
        string Yaml(int port) => GatewayYaml.Route($$"""
                - filters: [{{ExternalAuthYaml.Filter("GRPC", "authz")}}]
                  backendRefs: [{name: echo, port: 80}]
            """) + Manifests.Service("echo", _echo.Port) + Manifests.Service("authz", port);
        await using var proxy = await Manifests.StartAsync(Yaml(_auth.Port));
        var auth = proxy.Runtime.ExternalAuthClient;
        async Task<HttpStatusCode> GetAsync()
        {
            using var client = Manifests.Client();
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), Host, "GET", "/", ("Authorization", "Bearer good")));
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await GetAsync());
        Assert.Equal(1, auth.GrpcChannels);

        await proxy.ApplyAsync([.. new ManifestReader(new ManifestReaderOptions { Validate = false }).ReadText("test.yaml", Yaml(moved.Port)).Resources], 2, CancellationToken.None);
        Assert.Equal(0, auth.GrpcChannels);
        Assert.Equal(HttpStatusCode.OK, await GetAsync());
        Assert.Equal(1, auth.GrpcChannels);
        Assert.Single(moved.Seen);
    }

    [Fact]
    public async Task Metrics_AllowedDeniedFailed_CountedByRoute()
    {
        (await SendAsync("GET", "/api", null, ("Authorization", "Bearer good"))).Dispose();
        (await SendAsync("GET", "/api", null, ("Authorization", "Bearer good"))).Dispose();
        (await SendAsync("GET", "/api")).Dispose();
        (await SendAsync("GET", "/down")).Dispose();
        using var client = Manifests.Client();
        var metrics = (await client.GetStringAsync(new Uri(_proxy.AdminUrl!, "/metrics"))).Split('\n');
        Assert.Contains($"switchyard_proxy_external_auth_total{{route=\"{Rule(0)}\",result=\"allowed\"}} 2", metrics);
        Assert.Contains($"switchyard_proxy_external_auth_total{{route=\"{Rule(0)}\",result=\"denied\"}} 1", metrics);
        Assert.Contains($"switchyard_proxy_external_auth_total{{route=\"{Rule(2)}\",result=\"failed\"}} 1", metrics);
        Assert.Contains($"switchyard_proxy_requests_total{{route=\"{Rule(0)}\",backend=\"\",code=\"401\"}} 1", metrics);
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
        Assert.Equal(("curl-bod", protocol == "--http1.1" ? "HTTP/1.1" : "HTTP/2"), (LastSeen().Body, LastSeen().Protocol));

        (exit, output, error) = await Curl.RunAsync(protocol, "-i", $"http://127.0.0.1:{_port}/api/x", "-H", $"Host: {Host}");
        Assert.True(exit == 0, error);
        lines = output.Split("\r\n");
        Assert.Matches("^HTTP/(1.1|2) 401", lines[0]);
        Assert.EndsWith("who are you?\n", output, StringComparison.Ordinal);
    }
}
