using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Filters;

/// <summary>
/// The HTTPRoute CORS filter over real sockets, as a table of {request, status, forwarded, headers present and
/// absent}: preflights answered by the gateway for allowed and other origins, exact, wildcard and "*" origins, ports,
/// credentials (no "*" ever, values echoed), exposed headers, max age, Vary, the filter with a redirect, a broken
/// backend and a method match; then a backend's own CORS headers, curl over HTTP/1.1 and h2c, and refused filters.
/// </summary>
public sealed class CorsTests : IAsyncLifetime
{
    private EchoBackend _echo = null!;
    private KestrelBackend _decorated = null!;
    private GatewayProxy _proxy = null!;
    private int _port;

    private const string Rules = """
            - matches: [{path: {value: /cors-1}}]
              filters:
                - type: CORS
                  cors:
                    allowOrigins: ["https://www.foo.com", "https://*.bar.com"]
                    allowMethods: [GET, OPTIONS]
                    allowHeaders: [x-header-1, x-header-2]
                    exposeHeaders: [x-header-3, x-header-4]
                    allowCredentials: true
                    maxAge: 3600
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /cors-2}}]
              filters: [{type: CORS, cors: {allowOrigins: ["https://www.foo.com"], allowMethods: ["*"]}}]
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /any-creds}}]
              filters: [{type: CORS, cors: {allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"], exposeHeaders: ["*", x-extra], allowCredentials: true}}]
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /any}}]
              filters: [{type: CORS, cors: {allowOrigins: ["*"], allowMethods: [PUT], allowHeaders: ["*"], exposeHeaders: ["*"], allowCredentials: false}}]
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /ports}}]
              filters: [{type: CORS, cors: {allowOrigins: ["http://localhost:3000", "http://b.example:80", "https://*:8443"]}}]
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /m}, method: POST}]
              filters: [{type: CORS, cors: {allowOrigins: ["https://www.foo.com"], allowMethods: [POST]}}]
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /redirect}}]
              filters:
                - {type: CORS, cors: {allowOrigins: ["https://www.foo.com"]}}
                - {type: RequestRedirect, requestRedirect: {hostname: elsewhere.example, port: 8080}}
            - matches: [{path: {value: /broken}}]
              filters: [{type: CORS, cors: {allowOrigins: ["https://www.foo.com"]}}]
              backendRefs: [{name: nosuch, port: 80}]
            - matches: [{path: {value: /no-origins}}]
              filters: [{type: CORS, cors: {allowCredentials: true, allowMethods: [GET]}}]
              backendRefs: [{name: echo, port: 80}]
            - matches: [{path: {value: /decorated}}]
              filters: [{type: CORS, cors: {allowOrigins: ["https://www.foo.com"], exposeHeaders: ["*"], allowCredentials: true}}]
              backendRefs: [{name: decorated, port: 80}]
            - matches: [{path: {value: /nocors}}]
              backendRefs: [{name: echo, port: 80}]
        """;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        _decorated = await KestrelBackend.StartAsync(HttpProtocols.Http1, context =>
        {
            // A backend with CORS headers of its own: the gateway's policy replaces them for allowed origins.
            var headers = context.Response.Headers;
            headers.Vary = "Accept-Encoding";
            headers.AccessControlAllowOrigin = "https://evil.example";
            headers["x-custom"] = "1";
            headers.SetCookie = "sid=1";
            headers.ContentType = "text/plain";
            return context.Response.WriteAsync("decorated");
        });
        _proxy = await Manifests.StartAsync(GatewayYaml.Route(Rules, route: "cors")
            + Manifests.Service("echo", _echo.Port) + Manifests.Service("decorated", _decorated.Port));
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _decorated.DisposeAsync();
        await _echo.DisposeAsync();
    }

    private const string Creds = "Access-Control-Allow-Credentials";
    private const string Acao = "Access-Control-Allow-Origin";

    /// <summary>
    /// {case, method, path, request headers "Name=value; ...", status, forwarded to the backend, expected headers
    /// "Name=value; ..." (values as joined by HttpClient), absent headers "a, b"}.
    /// </summary>
    public static TheoryData<string, string, string, string, int, bool, string, string> Cases => new()
    {
        // Preflights: answered here (never forwarded), 200, the configured lists for an allowed origin.
        { "preflight, exact origin", "OPTIONS", "/cors-1", "Origin=https://www.foo.com; Access-Control-Request-Method=GET; Access-Control-Request-Headers=x-header-1, x-header-2", 200, false,
            "Access-Control-Allow-Origin=https://www.foo.com; Access-Control-Allow-Methods=GET, OPTIONS; Access-Control-Allow-Headers=x-header-1, x-header-2; "
            + "Access-Control-Expose-Headers=x-header-3, x-header-4; Access-Control-Max-Age=3600; Access-Control-Allow-Credentials=true; Vary=Origin", "" },
        { "preflight, wildcard origin", "OPTIONS", "/cors-1", "Origin=https://www.bar.com; Access-Control-Request-Method=GET", 200, false,
            "Access-Control-Allow-Origin=https://www.bar.com; Access-Control-Allow-Methods=GET, OPTIONS; Access-Control-Allow-Credentials=true", "" },
        { "preflight, wildcard spans labels", "OPTIONS", "/cors-1", "Origin=https://xpto.www.bar.com; Access-Control-Request-Method=GET", 200, false,
            "Access-Control-Allow-Origin=https://xpto.www.bar.com", "" },
        { "preflight, wildcard needs a label", "OPTIONS", "/cors-1", "Origin=https://bar.com; Access-Control-Request-Method=GET", 200, false,
            "Vary=Origin", "Access-Control-Allow-Origin, Access-Control-Allow-Credentials, Access-Control-Allow-Methods, Access-Control-Max-Age" },
        { "preflight, other origin", "OPTIONS", "/cors-1", "Origin=https://foobar.com; Access-Control-Request-Method=GET", 200, false,
            "Vary=Origin", "Access-Control-Allow-Origin, Access-Control-Allow-Credentials, Access-Control-Allow-Headers, Access-Control-Expose-Headers" },
        { "preflight, other scheme", "OPTIONS", "/cors-1", "Origin=http://www.foo.com; Access-Control-Request-Method=GET", 200, false, "", Acao },
        { "preflight, other port", "OPTIONS", "/cors-1", "Origin=https://www.foo.com:8443; Access-Control-Request-Method=GET", 200, false, "", Acao },
        { "preflight, default port written out", "OPTIONS", "/cors-1", "Origin=https://www.foo.com:443; Access-Control-Request-Method=GET", 200, false,
            "Access-Control-Allow-Origin=https://www.foo.com:443", "" },
        { "preflight, host in capitals", "OPTIONS", "/cors-1", "Origin=https://WWW.Foo.com; Access-Control-Request-Method=GET", 200, false,
            "Access-Control-Allow-Origin=https://WWW.Foo.com", "" },
        { "preflight, opaque origin", "OPTIONS", "/cors-1", "Origin=null; Access-Control-Request-Method=GET", 200, false, "", Acao },
        { "preflight, a path is no origin", "OPTIONS", "/cors-1", "Origin=https://www.foo.com/x; Access-Control-Request-Method=GET", 200, false, "", Acao },
        { "preflight, any method without credentials", "OPTIONS", "/cors-2", "Origin=https://www.foo.com; Access-Control-Request-Method=POST", 200, false,
            "Access-Control-Allow-Origin=https://www.foo.com; Access-Control-Allow-Methods=*; Access-Control-Max-Age=5; Vary=Origin",
            "Access-Control-Allow-Credentials, Access-Control-Allow-Headers, Access-Control-Expose-Headers" },
        { "preflight, any origin without credentials", "OPTIONS", "/any", "Origin=https://foobar.com:12345; Access-Control-Request-Method=PUT; Access-Control-Request-Headers=authorization, x-a", 200, false,
            "Access-Control-Allow-Origin=*; Access-Control-Allow-Methods=PUT; Access-Control-Allow-Headers=authorization, x-a; Access-Control-Expose-Headers=*; "
            + "Vary=Access-Control-Request-Headers", Creds },
        { "preflight, any origin without credentials, no headers asked", "OPTIONS", "/any", "Origin=https://foobar.com; Access-Control-Request-Method=PUT", 200, false,
            "Access-Control-Allow-Origin=*; Access-Control-Allow-Headers=*", "Access-Control-Allow-Credentials, Vary" },
        { "preflight, wildcards with credentials echo the request", "OPTIONS", "/any-creds", "Origin=https://other.foo.com; Access-Control-Request-Method=PUT; Access-Control-Request-Headers=x-header-1, x-header-2", 200, false,
            "Access-Control-Allow-Origin=https://other.foo.com; Access-Control-Allow-Methods=PUT; Access-Control-Allow-Headers=x-header-1, x-header-2; Access-Control-Allow-Credentials=true; "
            + "Access-Control-Expose-Headers=x-extra; Vary=Origin, Access-Control-Request-Method, Access-Control-Request-Headers", "" },
        { "preflight, wildcard headers with credentials, none asked", "OPTIONS", "/any-creds", "Origin=https://other.foo.com; Access-Control-Request-Method=PUT", 200, false,
            "Access-Control-Allow-Methods=PUT", "Access-Control-Allow-Headers" },
        { "preflight, no allowOrigins allows none", "OPTIONS", "/no-origins", "Origin=https://app.example; Access-Control-Request-Method=GET", 200, false,
            "Vary=Origin", "Access-Control-Allow-Origin, Access-Control-Allow-Credentials, Access-Control-Allow-Methods" },
        { "preflight, rule with a method match, asked about its method", "OPTIONS", "/m", "Origin=https://www.foo.com; Access-Control-Request-Method=POST", 200, false,
            "Access-Control-Allow-Origin=https://www.foo.com; Access-Control-Allow-Methods=POST", "" },
        { "preflight, rule with a method match, asked about another", "OPTIONS", "/m", "Origin=https://www.foo.com; Access-Control-Request-Method=GET", 404, false, "", Acao },
        { "preflight, before the rule's redirect", "OPTIONS", "/redirect", "Origin=https://www.foo.com; Access-Control-Request-Method=GET", 200, false,
            "Access-Control-Allow-Origin=https://www.foo.com", "Location" },
        { "preflight on a rule without CORS: forwarded", "OPTIONS", "/nocors", "Origin=https://www.foo.com; Access-Control-Request-Method=GET", 200, true, "", "Access-Control-Allow-Origin, Vary" },
        { "OPTIONS without Access-Control-Request-Method: an actual request", "OPTIONS", "/cors-1", "Origin=https://www.foo.com", 200, true,
            "Access-Control-Allow-Origin=https://www.foo.com; Access-Control-Allow-Credentials=true", "Access-Control-Allow-Methods, Access-Control-Max-Age" },

        // Actual requests: forwarded; the answer carries the CORS headers when the origin is allowed.
        { "request, exact origin", "GET", "/cors-1", "Origin=https://www.foo.com", 200, true,
            "Access-Control-Allow-Origin=https://www.foo.com; Access-Control-Allow-Credentials=true; Access-Control-Expose-Headers=x-header-3, x-header-4; Vary=Origin",
            "Access-Control-Allow-Methods, Access-Control-Allow-Headers, Access-Control-Max-Age" },
        { "request, wildcard origin", "POST", "/cors-1", "Origin=https://api.www.bar.com", 200, true, "Access-Control-Allow-Origin=https://api.www.bar.com", "" },
        { "request, other origin", "GET", "/cors-1", "Origin=https://foobar.com", 200, true,
            "Vary=Origin", "Access-Control-Allow-Origin, Access-Control-Allow-Credentials, Access-Control-Expose-Headers" },
        { "request without Origin: Vary all the same", "GET", "/cors-1", "", 200, true, "Vary=Origin", "Access-Control-Allow-Origin, Access-Control-Allow-Credentials" },
        { "request, any origin without credentials", "PUT", "/any", "Origin=https://foobar.com:12345", 200, true,
            "Access-Control-Allow-Origin=*; Access-Control-Expose-Headers=*", "Access-Control-Allow-Credentials, Vary" },
        { "request without Origin, any origin: the same answer", "GET", "/any", "", 200, true, "Access-Control-Allow-Origin=*", "Vary" },
        { "request, any origin with credentials: echoed", "GET", "/any-creds", "Origin=https://other.foo.com; Cookie=sid=abc123", 200, true,
            "Access-Control-Allow-Origin=https://other.foo.com; Access-Control-Allow-Credentials=true; Vary=Origin", "" },
        { "request, origin port given", "GET", "/ports", "Origin=http://localhost:3000", 200, true, "Access-Control-Allow-Origin=http://localhost:3000", "" },
        { "request, origin port differs", "GET", "/ports", "Origin=http://localhost:3001", 200, true, "Vary=Origin", Acao },
        { "request, default port in the filter", "GET", "/ports", "Origin=http://b.example", 200, true, "Access-Control-Allow-Origin=http://b.example", "" },
        { "request, any host on a port", "GET", "/ports", "Origin=https://anything.example:8443", 200, true, "Access-Control-Allow-Origin=https://anything.example:8443", "" },
        { "request, any host on another port", "GET", "/ports", "Origin=https://anything.example", 200, true, "", Acao },
        { "request, no allowOrigins allows none", "GET", "/no-origins", "Origin=https://app.example; Cookie=sid=abc123", 200, true, "", "Access-Control-Allow-Origin, Access-Control-Allow-Credentials" },
        { "request, the rule's redirect", "GET", "/redirect", "Origin=https://www.foo.com", 302, false, "Access-Control-Allow-Origin=https://www.foo.com; Location=http://elsewhere.example:8080/redirect", "" },
        { "request, the proxy's own error", "GET", "/broken", "Origin=https://www.foo.com", 500, false, "Access-Control-Allow-Origin=https://www.foo.com; Vary=Origin", "" },
        { "request on a rule without CORS", "GET", "/nocors", "Origin=https://www.foo.com", 200, true, "", "Access-Control-Allow-Origin, Vary" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Cors_Request_Answer(string name, string method, string path, string requestHeaders, int status, bool forwarded, string expected, string absent)
    {
        using var client = Manifests.Client();
        using var request = Manifests.Request(_port, "cors.test", method, path, [.. Pairs(requestHeaders)]);
        using var response = await client.SendAsync(request);
        Assert.True(status == (int)response.StatusCode, $"{name}: status {(int)response.StatusCode}");
        Assert.True(forwarded == response.Headers.Contains("x-backend"), $"{name}: forwarded to the backend: {!forwarded}");
        foreach (var (header, value) in Pairs(expected)) Assert.True(value == Header(response, header), $"{name}: {header}: {Header(response, header) ?? "absent"}");
        foreach (var header in absent.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            Assert.True(Header(response, header) is null, $"{name}: {header} should be absent: {Header(response, header)}");
        if (!forwarded && status == 200) Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Request_BackendWithItsOwnCorsHeaders_PolicyReplacesThemAndExposesTheResponsesHeaders()
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(_port, "cors.test", "GET", "/decorated", ("Origin", "https://www.foo.com")));
        Assert.Equal("decorated", await response.Content.ReadAsStringAsync());
        Assert.Equal("https://www.foo.com", Header(response, Acao));
        Assert.Equal("Accept-Encoding, Origin", Header(response, "Vary"));
        // exposeHeaders "*" with credentials: a literal "*" would name no header, so the answer's own are listed.
        var exposed = Header(response, "Access-Control-Expose-Headers")!.Split(", ");
        Assert.Contains("x-custom", exposed);
        Assert.DoesNotContain(exposed, n => n is "Set-Cookie" or "Content-Type" or "Vary" || n.StartsWith("Access-Control-", StringComparison.Ordinal));

        using var other = await client.SendAsync(Manifests.Request(_port, "cors.test", "GET", "/decorated", ("Origin", "https://foobar.com")));
        Assert.Equal("https://evil.example", Header(other, Acao)); // not the gateway's to grant, nor to take away
        Assert.Equal("Accept-Encoding, Origin", Header(other, "Vary"));
    }

    [Fact]
    public async Task Preflight_ForAMethodMatchedRule_AnsweredThereEvenWithACatchAllRule()
    {
        await using var echo = await EchoBackend.StartAsync("catch-all");
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - matches: [{path: {value: /api}, method: POST}]
                  filters: [{type: CORS, cors: {allowOrigins: ["https://app.example"], allowMethods: [POST]}}]
                  backendRefs: [{name: echo, port: 80}]
                - backendRefs: [{name: echo, port: 80}]
            """) + Manifests.Service("echo", echo.Port));
        using var client = Manifests.Client();

        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "cors.test", "OPTIONS", "/api/items",
            ("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://app.example", Header(response, Acao));
        Assert.Equal(0, echo.Requests); // answered by the gateway, not forwarded to the catch-all rule's backend
    }

    [SkippableTheory]
    [InlineData("--http1.1")]
    [InlineData("--http2-prior-knowledge")]
    public async Task Preflight_Curl_AnsweredWithoutBody(string protocol)
    {
        Curl.SkipIfMissing();
        var (exit, output, error) = await Curl.RunAsync(protocol, "-i", "-X", "OPTIONS", $"http://127.0.0.1:{_port}/cors-1",
            "-H", "Host: cors.test", "-H", "Origin: https://www.foo.com", "-H", "Access-Control-Request-Method: GET", "-H", "Access-Control-Request-Headers: x-header-1");
        Assert.True(exit == 0, error);
        var lines = output.Split("\r\n");
        Assert.Matches("^HTTP/(1.1|2) 200", lines[0]);
        Assert.Contains("access-control-allow-origin: https://www.foo.com", lines, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("access-control-allow-methods: GET, OPTIONS", lines, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("access-control-max-age: 3600", lines, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("content-length: 0", lines, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain(lines, l => l.StartsWith("x-backend", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("[{type: CORS, cors: {allowOrigins: [\"xpto.com\", \"*\"], allowMethods: [GET, FETCH], maxAge: 0}}]",
        "rule 0: CORS: spec.rules[0].filters[0].cors.allowOrigins[0]: Invalid value: \"xpto.com\": must be \"*\" or an origin scheme://host[:port]")]
    [InlineData("[{type: CORS, cors: {allowOrigins: [\"xpto.com\", \"*\"], allowMethods: [GET, FETCH], maxAge: 0}}]",
        "spec.rules[0].filters[0].cors.allowOrigins: Invalid value: \"*\": the wildcard '*' must be the only entry when present; "
        + "spec.rules[0].filters[0].cors.allowMethods[1]: Unsupported value: \"FETCH\"")]
    [InlineData("[{type: CORS, cors: {allowOrigins: [\"xpto.com\", \"*\"], allowMethods: [GET, FETCH], maxAge: 0}}]",
        "spec.rules[0].filters[0].cors.maxAge: Invalid value: 0: must be greater than or equal to 1")]
    [InlineData("[{type: CORS, cors: {allowOrigins: [\"https://a.example\"]}}, {type: CORS, cors: {allowOrigins: [\"https://b.example\"]}}]",
        "rule 0: at most one CORS filter per rule")]
    public async Task InvalidCorsFilter_RouteNotAcceptedNamingEveryProblem(string filters, string message)
    {
        // Read without validation (as an object that skipped admission would be): the proxy checks the filter again.
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route($"    - filters: {filters}\n      backendRefs: [{{name: echo, port: 80}}]")
            + Manifests.Service("echo", _echo.Port));
        var accepted = Accepted(proxy);
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains(message, accepted.Message, StringComparison.Ordinal);
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "cors.test", "GET", "/", ("Origin", "https://a.example")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // refused: not half served
    }

    [Fact]
    public async Task CorsFilterOnBackendRef_RouteNotAccepted()
    {
        await using var proxy = await Manifests.StartAsync(GatewayYaml.Route(
            "    - backendRefs: [{name: echo, port: 80, filters: [{type: CORS, cors: {allowOrigins: [\"https://a.example\"]}}]}]") + Manifests.Service("echo", _echo.Port));
        var accepted = Accepted(proxy);
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("rule 0: backendRef echo: filter CORS is not supported on a backendRef", accepted.Message, StringComparison.Ordinal);
    }

    private static k8s.Models.V1Condition Accepted(GatewayProxy proxy)
    {
        var route = (Switchyard.Model.Gateway.HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is Switchyard.Model.Gateway.HTTPRoute).Status;
        return route.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
    }

    /// <summary>"Name=value; Name=value" as pairs (a value may hold '=' and ',').</summary>
    private static IEnumerable<(string Name, string Value)> Pairs(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => (p[..p.IndexOf('=', StringComparison.Ordinal)], p[(p.IndexOf('=', StringComparison.Ordinal) + 1)..]));

    /// <summary>A response header's values joined with ", ", or null when absent.</summary>
    private static string? Header(HttpResponseMessage response, string name) => Manifests.Header(response, name);
}
