using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>
/// HTTPTrafficFilter authorization over real sockets, as a table of {client address, method, path, token, headers,
/// status, x-switchyard-error}: clients from 127.0.0.1 and 127.0.0.2 (both loopback) against clientCIDRs, JWT claims
/// (string, string array, nested) and scopes of the provider that accepted the token, a header the gateway set from a
/// claim (a client's copy removed first), methods, first match wins, defaultAction Deny and Allow, authorization
/// without authentication, and authentication refusals coming before authorization.
/// </summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private const string Route = "route httproute default/r rule ";
    private readonly Jwts _keys = new();
    private EchoBackend _echo = null!;
    private GatewayProxy _proxy = null!;

    private static string Rule(string name, string filter) =>
        $"    - name: {name}\n      matches: [{{path: {{value: /{name}}}}}]\n"
        + $"      filters: [{GatewayYaml.TrafficFilterRef(filter)}]\n"
        + "      backendRefs: [{name: echo, port: 80}]";

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        var yaml = GatewayYaml.Route(string.Join("\n", Rule("authz", "authz"), Rule("cidr", "cidr-only"), Rule("open", "open"))) + Manifests.Service("echo", _echo.Port)
            + GatewayYaml.TrafficFilter("authz", $$$$"""
                  jwt:
                    optional: true
                    providers:
                    - {name: corp, localJWKS: {type: Inline, inline: '{{{{_keys.Jwks}}}}'}, claimToHeaders: [{header: x-user, claim: sub}]}
                  authorization:
                    rules:
                    - {name: block-lab, action: Deny, principal: {clientCIDRs: [127.0.0.2/32, "2001:db8::/32"]}}
                    - {name: admins, action: Allow, principal: {jwt: {provider: corp, claims: [{name: roles, valueType: StringArray, values: [admin, root]}]}}}
                    - {name: readers, action: Allow, operation: {methods: [GET, HEAD]}, principal: {jwt: {provider: corp, scopes: [read]}}}
                    - {name: service-a, action: Allow, principal: {headers: [{name: x-user, values: [service-a]}]}}
                    - {name: acme, action: Allow, principal: {jwt: {provider: corp, claims: [{name: org.id, values: [acme]}]}}}
                """)
            + GatewayYaml.TrafficFilter("cidr-only", """
                  authorization:
                    rules: [{name: loopback-1, action: Allow, principal: {clientCIDRs: [127.0.0.1/32]}}]
                """)
            + GatewayYaml.TrafficFilter("open", """
                  authorization:
                    defaultAction: Allow
                    rules: [{name: no-delete, action: Deny, operation: {methods: [DELETE]}, principal: {clientCIDRs: [127.0.0.0/8]}}]
                """);
        _proxy = await Manifests.StartAsync(yaml);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _echo.DisposeAsync();
        _keys.Dispose();
    }

    private sealed record Case(string Name, string From, string Method, string Path, string? Token, int Status, string? Error = null)
    {
        public (string Name, string Value)[] Headers { get; init; } = [];
    }

    private string Token(Action<JsonObject> edit) => _keys.Rs256(Jwts.Claims(edit));

    [Fact]
    public async Task Authorization_TableOfPrincipals_AllowedOrDeniedNamingTheRule()
    {
        var authz = Route + "authz: httptrafficfilter default/authz: authorization: ";
        var byDefault = "denied: no rule matched and defaultAction is Deny";
        var admin = Token(c => c["roles"] = new JsonArray("dev", "admin"));
        Case[] cases =
        [
            new("admin role in an array", "127.0.0.1", "GET", "/authz", admin, 200),
            new("admin, but from the blocked address: the first rule decides", "127.0.0.2", "GET", "/authz", admin, 403, authz + "denied by rule block-lab"),
            new("role as a string, not an array", "127.0.0.1", "GET", "/authz", Token(c => c["roles"] = "admin"), 403, authz + byDefault),
            new("scope read, GET", "127.0.0.1", "GET", "/authz", Token(c => c["scope"] = "write read"), 200),
            new("scope read, POST: the rule is for GET and HEAD", "127.0.0.1", "POST", "/authz", Token(c => c["scope"] = "write read"), 403, authz + byDefault),
            new("scope write only", "127.0.0.1", "GET", "/authz", Token(c => c["scope"] = "write"), 403, authz + byDefault),
            new("scope read as an array", "127.0.0.1", "HEAD", "/authz", Token(c => c["scope"] = new JsonArray("read")), 200),
            new("a scope that only starts like read", "127.0.0.1", "GET", "/authz", Token(c => c["scope"] = "reader"), 403, authz + byDefault),
            new("sub service-a through the claim header", "127.0.0.1", "GET", "/authz", Token(c => c["sub"] = "service-a"), 200),
            new("no token, the claim header spoofed", "127.0.0.1", "GET", "/authz", null, 403, authz + byDefault) { Headers = [("x-user", "service-a")] },
            new("nested claim org.id acme", "127.0.0.1", "GET", "/authz", Token(c => c["org"] = new JsonObject { ["id"] = "acme" }), 200),
            new("nested claim org.id other", "127.0.0.1", "GET", "/authz", Token(c => c["org"] = new JsonObject { ["id"] = "other" }), 403, authz + byDefault),
            new("claim values compared exactly", "127.0.0.1", "GET", "/authz", Token(c => c["org"] = new JsonObject { ["id"] = "ACME" }), 403, authz + byDefault),
            new("an invalid token is refused by authentication first", "127.0.0.1", "GET", "/authz", Token(c => c["exp"] = Jwts.Now(-600)), 401,
                Route + "authz: httptrafficfilter default/authz: jwt: invalid token: provider corp: token expired"),
            new("authorization alone: allowed address", "127.0.0.1", "GET", "/cidr", null, 200),
            new("authorization alone: other address", "127.0.0.2", "GET", "/cidr", null, 403, Route + "cidr: httptrafficfilter default/cidr-only: authorization: " + byDefault),
            new("defaultAction Allow", "127.0.0.2", "GET", "/open", null, 200),
            new("defaultAction Allow, a Deny rule for DELETE", "127.0.0.1", "DELETE", "/open", null, 403, Route + "open: httptrafficfilter default/open: authorization: denied by rule no-delete"),
        ];
        var port = Manifests.Port(_proxy);
        var expected = new List<string>();
        var actual = new List<string>();
        foreach (var c in cases)
        {
            using var client = ClientFrom(IPAddress.Parse(c.From));
            (string, string)[] headers = c.Token is null ? c.Headers : [.. c.Headers, ("Authorization", "Bearer " + c.Token)];
            using var request = Manifests.Request(port, "a.test", c.Method, c.Path, headers);
            using var response = await client.SendAsync(request);
            var error = response.Headers.TryGetValues("x-switchyard-error", out var e) ? e.Single() : null;
            var challenge = response.Headers.WwwAuthenticate.Count > 0 ? "challenge" : "-";
            expected.Add($"{c.Name}: {c.Status} {c.Error ?? "-"} {(c.Status == 401 ? "challenge" : "-")}");
            actual.Add($"{c.Name}: {(int)response.StatusCode} {error ?? "-"} {challenge}");
        }
        Assert.Equal(expected, actual);
        Assert.Equal(1, _proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule authz", "authz_rule"));
        Assert.Equal(7, _proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule authz", "authz_default"));
        Assert.Equal(1, _proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule cidr", "authz_default"));
        Assert.Equal(1, _proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule open", "authz_rule"));
    }

    /// <summary>An HttpClient whose connections come from <paramref name="source"/> (any 127.0.0.0/8 address is loopback on Linux).</summary>
    private static HttpClient ClientFrom(IPAddress source) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { Timeout = TimeSpan.FromSeconds(20) };
}
