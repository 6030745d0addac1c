using System.Text.Json.Nodes;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>
/// JWT authentication of HTTPTrafficFilter over real sockets, as a table of {request, status, x-switchyard-error,
/// WWW-Authenticate, what the backend saw}: valid RS256 and ES256 tokens, expired, within the clock skew, not yet
/// valid, no exp, wrong issuer and audience, a bad signature, alg none, the HS256-with-RSA-key forgery, an unknown
/// kid, malformed and missing tokens; claims copied into headers and the client's copies of them removed; tokens in a
/// custom header, a cookie and a query parameter, removed before forwarding unless forwardToken; optional tokens;
/// two providers; authentication before a redirect. Tokens are signed by hand (<see cref="Jwts"/>), not by the library.
/// </summary>
public sealed class JwtAuthTests : IAsyncLifetime
{
    private readonly Jwts _keys = new();
    private EchoBackend _echo = null!;
    private GatewayProxy _proxy = null!;
    private HttpClient _client = null!;

    private static string Rule(string name, string path, string filter, string extra = "") =>
        $"    - name: {name}\n      matches: [{{path: {{value: {path}}}}}]\n"
        + $"      filters: [{GatewayYaml.TrafficFilterRef(filter)}{extra}]\n"
        + "      backendRefs: [{name: echo, port: 80}]";

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        var rules = string.Join("\n",
            Rule("jwt", "/jwt", "jwt"),
            Rule("custom", "/custom", "jwt-custom"),
            Rule("forward", "/forward", "jwt-forward"),
            Rule("optional", "/optional", "jwt-optional"),
            Rule("multi", "/multi", "jwt-multi"),
            Rule("redirect", "/redirect", "jwt", ", {type: RequestRedirect, requestRedirect: {hostname: elsewhere.test}}"));
        var inline = $"{{type: Inline, inline: '{_keys.Jwks}'}}";
        var yaml = GatewayYaml.Route(rules) + Manifests.Service("echo", _echo.Port) + $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: jwks, namespace: default}
            data: {jwks: '{{_keys.Jwks}}'}
            ---

            """
            + GatewayYaml.TrafficFilter("jwt", """
                  jwt:
                    providers:
                    - name: corp
                      issuer: https://idp.test
                      audiences: [shop, admin]
                      localJWKS: {type: ValueRef, valueRef: {group: "", kind: ConfigMap, name: jwks}}
                      claimToHeaders: [{header: x-user, claim: sub}, {header: x-org, claim: org.id}, {header: x-roles, claim: roles}, {header: x-name, claim: name}]
                """)
            + GatewayYaml.TrafficFilter("jwt-custom", $$"""
                  jwt:
                    providers:
                    - name: web
                      localJWKS: {{inline}}
                      extractFrom: {headers: [{name: x-token, valuePrefix: "Token "}], cookies: [session], params: [access_token]}
                      claimToHeaders: [{header: x-user, claim: sub}]
                """)
            + GatewayYaml.TrafficFilter("jwt-forward", $$"""
                  jwt:
                    providers: [{name: corp, localJWKS: {{inline}}, forwardToken: true}]
                """)
            + GatewayYaml.TrafficFilter("jwt-optional", $$"""
                  jwt:
                    optional: true
                    realm: shop
                    providers: [{name: corp, issuer: https://idp.test, localJWKS: {{inline}}, claimToHeaders: [{header: x-user, claim: sub}]}]
                """)
            + GatewayYaml.TrafficFilter("jwt-multi", $$$"""
                  jwt:
                    providers:
                    - {name: partner, issuer: https://partner.test, localJWKS: {type: Inline, inline: '{{{_keys.StrangerJwks}}}'}}
                    - {name: corp, issuer: https://idp.test, localJWKS: {{{inline}}}}
                """);
        _proxy = await Manifests.StartAsync(yaml);
        _client = Manifests.Client();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _echo.DisposeAsync();
        _keys.Dispose();
    }

    /// <summary>One request and what should come of it; <see cref="Backend"/> lists request headers the backend must (value) or must not (null) see.</summary>
    private sealed record Case(string Name, string Path, (string Name, string Value)[] Headers, int Status, string? Error = null, string? Challenge = null)
    {
        public (string Header, string? Value)[] Backend { get; init; } = [];

        /// <summary>The request target the backend must see; null: not checked.</summary>
        public string? Target { get; init; }
    }

    private static (string, string)[] Bearer(string token) => [("Authorization", "Bearer " + token)];

    private const string Jwt = "route httproute default/r rule jwt: httptrafficfilter default/jwt: jwt: ";
    private const string Invalid = "Bearer realm=\"a.test\", error=\"invalid_token\", error_description=";

    private Case Refused(string name, string token, string reason) =>
        new(name, "/jwt", Bearer(token), 401, $"{Jwt}invalid token: provider corp: {reason}", $"{Invalid}\"{reason}\"");

    [Fact]
    public async Task Jwt_TableOfTokens_AdmittedOrRefusedWithReason()
    {
        var k = _keys;
        var valid = k.Rs256(Jwts.Claims(c =>
        {
            c["org"] = new JsonObject { ["id"] = "acme" };
            c["roles"] = new JsonArray("admin", "dev");
            c["name"] = "José 100%";
        }));
        Case[] cases =
        [
            new("RS256 valid: claims to headers, token removed", "/jwt", Bearer(valid), 200)
            {
                Backend = [("x-user", "alice"), ("x-org", "acme"), ("x-roles", "admin,dev"), ("x-name", "Jos%C3%A9 100%25"), ("authorization", null)],
            },
            new("ES256 valid, second audience", "/jwt", Bearer(k.Es256(Jwts.Claims(c => c["aud"] = new JsonArray("other", "admin")))), 200) { Backend = [("x-user", "alice")] },
            new("spoofed claim headers replaced or removed", "/jwt", [.. Bearer(k.Rs256(Jwts.Claims())), ("x-user", "root"), ("X-Org", "evil")], 200)
            {
                Backend = [("x-user", "alice"), ("x-org", null)],
            },
            new("claim headers named in Connection still reach the backend", "/jwt", [.. Bearer(k.Rs256(Jwts.Claims())), ("Connection", "x-user, x-other")], 200)
            {
                Backend = [("x-user", "alice")],
            },
            new("no kid: every key tried", "/jwt", Bearer(k.Rs256(Jwts.Claims(), kid: null)), 200),
            new("scheme matched ignoring case", "/jwt", [("Authorization", "bearer " + k.Rs256(Jwts.Claims()))], 200),
            Refused("expired", k.Rs256(Jwts.Claims(c => c["exp"] = Jwts.Now(-600))), "token expired"),
            new("expired within the 60s clock skew", "/jwt", Bearer(k.Rs256(Jwts.Claims(c => c["exp"] = Jwts.Now(-20)))), 200),
            Refused("not yet valid", k.Rs256(Jwts.Claims(c => c["nbf"] = Jwts.Now(600))), "token not yet valid (nbf)"),
            Refused("no exp", k.Rs256(Jwts.Claims(c => c.Remove("exp"))), "token has no exp claim"),
            Refused("wrong issuer", k.Rs256(Jwts.Claims(c => c["iss"] = "https://evil.test")), "issuer not accepted"),
            Refused("wrong audience", k.Rs256(Jwts.Claims(c => c["aud"] = "billing")), "audience not accepted"),
            Refused("no audience", k.Rs256(Jwts.Claims(c => c.Remove("aud"))), "audience not accepted"),
            Refused("audience with a trailing slash", k.Rs256(Jwts.Claims(c => c["aud"] = "shop/")), "audience not accepted"),
            Refused("audience in another case", k.Rs256(Jwts.Claims(c => c["aud"] = "SHOP")), "audience not accepted"),
            Refused("issuer with a trailing slash", k.Rs256(Jwts.Claims(c => c["iss"] = "https://idp.test/")), "issuer not accepted"),
            Refused("issuer in another case", k.Rs256(Jwts.Claims(c => c["iss"] = "https://IDP.test")), "issuer not accepted"),
            Refused("alg RS256 signed with PS256", Jwts.Sign("RS256", "rsa-1", Jwts.Claims(), d => k.Rsa.SignData(d, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pss)), "signature invalid"),
            Refused("signed by another key under a published kid", k.Rs256(Jwts.Claims(), kid: "rsa-1", rsa: k.Stranger), "signature invalid"),
            Refused("payload changed after signing", Tamper(k.Rs256(Jwts.Claims())), "signature invalid"),
            Refused("alg none", Jwts.None(Jwts.Claims()), "unsigned token (alg none)"),
            Refused("a critical header extension (RFC 7515 4.1.11)", CriticalExtension(Jwts.Claims()), "critical header extension not understood (crit)"),
            Refused("HS256 keyed with the RSA public key", k.Hs256WithRsaModulus(Jwts.Claims()), "signature invalid"),
            Refused("unknown kid", k.Rs256(Jwts.Claims(), kid: "rsa-x", rsa: k.Stranger), "no key of the key set matches the token's kid"),
            Refused("malformed", "not.a.jwt", "malformed token"),
            new("scheme without a token", "/jwt", [("Authorization", "Bearer")], 401, $"{Jwt}missing token", "Bearer realm=\"a.test\""),
            new("no token", "/jwt", [], 401, $"{Jwt}missing token", "Bearer realm=\"a.test\""),
            new("Basic credentials are no token", "/jwt", [("Authorization", "Basic YWxpY2U6c2VjcmV0")], 401, $"{Jwt}missing token", "Bearer realm=\"a.test\""),
            new("refused before a redirect", "/redirect", [], 401, "route httproute default/r rule redirect: httptrafficfilter default/jwt: jwt: missing token", "Bearer realm=\"a.test\""),
            new("redirect once authenticated", "/redirect", Bearer(valid), 302),
        ];
        await Check(cases);
        Assert.True(_proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule jwt", "jwt_expired") >= 1);
        Assert.True(_proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule jwt", "jwt_missing") >= 2);
        Assert.Contains("switchyard_proxy_auth_refused_total{route=\"httproute default/r rule jwt\",reason=\"jwt_signature\"}", _proxy.Runtime.Metrics.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jwt_TokenLocations_FoundAndRemovedUnlessForwarded()
    {
        var token = _keys.Rs256(Jwts.Claims());
        var custom = "route httproute default/r rule custom: httptrafficfilter default/jwt-custom: jwt: ";
        Case[] cases =
        [
            new("custom header with prefix", "/custom", [("x-token", "Token " + token)], 200) { Backend = [("x-user", "alice"), ("x-token", null)] },
            new("custom header without its prefix", "/custom", [("x-token", token)], 401, custom + "missing token", "Bearer realm=\"a.test\""),
            new("cookie, others kept", "/custom", [("Cookie", $"a=1; session={token}; b=2")], 200) { Backend = [("x-user", "alice"), ("cookie", "a=1; b=2")] },
            new("cookie alone, header removed", "/custom", [("Cookie", $"session={token}")], 200) { Backend = [("cookie", null)] },
            new("query parameter, others kept", $"/custom/x?a=1&access_token={token}&b=2", [], 200) { Backend = [("x-user", "alice")], Target = "/custom/x?a=1&b=2" },
            new("query parameter alone", $"/custom?access_token={token}", [], 200) { Target = "/custom" },
            new("Authorization is not a location of this provider", "/custom", Bearer(token), 401, custom + "missing token", "Bearer realm=\"a.test\""),
            new("invalid token in a cookie", "/custom", [("Cookie", "session=x.y.z")], 401, custom + "invalid token: provider web: malformed token",
                $"{Invalid}\"malformed token\""),
            new("forwardToken keeps Authorization", "/forward", Bearer(token), 200) { Backend = [("authorization", "Bearer " + token)] },
            new("optional: no token passes, spoofed claim removed", "/optional", [("x-user", "root")], 200) { Backend = [("x-user", null)] },
            new("optional: valid token sets claims", "/optional", Bearer(token), 200) { Backend = [("x-user", "alice")] },
            new("optional: invalid token still refused", "/optional", Bearer(_keys.Rs256(Jwts.Claims(c => c["exp"] = Jwts.Now(-600)))), 401,
                "route httproute default/r rule optional: httptrafficfilter default/jwt-optional: jwt: invalid token: provider corp: token expired",
                "Bearer realm=\"shop\", error=\"invalid_token\", error_description=\"token expired\""),
            new("second provider accepts", "/multi", Bearer(token), 200),
            new("first provider accepts", "/multi", Bearer(_keys.Rs256(Jwts.Claims(c => c["iss"] = "https://partner.test"), kid: "rsa-x", rsa: _keys.Stranger)), 200),
            new("no provider accepts: each reason", "/multi", Bearer(_keys.Rs256(Jwts.Claims(c => c["iss"] = "https://other.test"))), 401,
                "route httproute default/r rule multi: httptrafficfilter default/jwt-multi: jwt: invalid token: provider partner: no key of the key set matches the token's kid; provider corp: issuer not accepted",
                $"{Invalid}\"no key of the key set matches the token's kid\""),
        ];
        await Check(cases);
    }

    [Fact]
    public async Task Jwt_TwoDifferentTokensInOnePlace_Refused()
    {
        // The backend of a forwardToken rule reads the token the gateway checked; given two, it might read the other.
        var alice = _keys.Rs256(Jwts.Claims());
        var forged = _keys.Rs256(Jwts.Claims(c => c["sub"] = "admin"), kid: "rsa-1", rsa: _keys.Stranger);
        var custom = "route httproute default/r rule custom: httptrafficfilter default/jwt-custom: jwt: invalid token: provider web: more than one token";
        var challenge = $"{Invalid}\"more than one token\"";
        Case[] cases =
        [
            new("a cookie twice", "/custom", [("Cookie", $"session={alice}; session={forged}")], 401, custom, challenge),
            new("the same cookie twice is one token", "/custom", [("Cookie", $"session={alice}; session={alice}")], 200) { Backend = [("x-user", "alice")] },
            new("a query parameter twice", $"/custom?access_token={alice}&access_token={forged}", [], 401, custom, challenge),
        ];
        await Check(cases);

        // Header fields on separate lines (HttpClient would join them into one), over a raw connection.
        var port = Manifests.Port(_proxy);
        async Task<string> Send(string path, params string[] headers) =>
            await Raw.SendAsync(port, $"GET {path} HTTP/1.1\r\nHost: a.test\r\n{string.Concat(headers.Select(h => h + "\r\n"))}Connection: close\r\n\r\n");
        var twice = await Send("/forward", "Authorization: Bearer " + alice, "Authorization: Bearer " + forged);
        Assert.StartsWith("HTTP/1.1 401", twice, StringComparison.Ordinal);
        Assert.Contains("x-switchyard-error: route httproute default/r rule forward: httptrafficfilter default/jwt-forward: jwt: invalid token: provider corp: more than one token", twice, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("HTTP/1.1 401", await Send("/custom", "x-token: Token " + alice, "x-token: Token " + forged), StringComparison.Ordinal);
        var same = await Send("/forward", "Authorization: Bearer " + alice, "Authorization: Bearer " + alice);
        Assert.StartsWith("HTTP/1.1 200", same, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await Send("/forward", "Authorization: Bearer " + alice, "Authorization: Basic YWxpY2U6c2VjcmV0"), StringComparison.Ordinal);
        Assert.Equal(3, _proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule custom", "jwt_several"));
        Assert.Equal(1, _proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule forward", "jwt_several"));
    }

    [SkippableFact]
    public async Task Curl_BearerToken_AdmittedAndChallengedWithout()
    {
        Curl.SkipIfMissing();
        var port = Manifests.Port(_proxy);
        var (exit, output, error) = await Curl.RunAsync("-s", "-i", $"http://127.0.0.1:{port}/jwt", "-H", "Host: a.test", "-H", "Authorization: Bearer " + _keys.Es256(Jwts.Claims()));
        Assert.True(exit == 0, error);
        Assert.StartsWith("HTTP/1.1 200", output, StringComparison.Ordinal);
        Assert.Contains("x-echo-h-x-user: alice", output, StringComparison.OrdinalIgnoreCase);
        (exit, output, error) = await Curl.RunAsync("-s", "-i", $"http://127.0.0.1:{port}/jwt", "-H", "Host: a.test");
        Assert.True(exit == 0, error);
        Assert.StartsWith("HTTP/1.1 401", output, StringComparison.Ordinal);
        Assert.Contains("www-authenticate: Bearer realm=\"a.test\"", output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An RS256 token by the published key whose header makes the (unknown) "exp-v2" extension critical.</summary>
    private string CriticalExtension(JsonObject claims)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = "rsa-1", ["crit"] = new JsonArray("exp-v2"), ["exp-v2"] = "strict" };
        var input = Jwts.B64(System.Text.Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Jwts.B64(System.Text.Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _keys.Rsa.SignData(System.Text.Encoding.ASCII.GetBytes(input), System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        return input + "." + Jwts.B64(signature);
    }

    /// <summary>The token with one character of its payload changed (the signature no longer covers it).</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1]))))!.AsObject();
        payload["sub"] = "mallory";
        return $"{parts[0]}.{Jwts.B64(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";
    }

    private static string Pad(string b64url)
    {
        var s = b64url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    /// <summary>Sends every case and compares all outcomes at once, so one run shows every mismatch.</summary>
    private async Task Check(Case[] cases)
    {
        var expected = new List<string>();
        var actual = new List<string>();
        foreach (var c in cases)
        {
            using var request = Manifests.Request(Manifests.Port(_proxy), "a.test", "GET", c.Path, c.Headers);
            using var response = await _client.SendAsync(request);
            var status = (int)response.StatusCode;
            var error = response.Headers.TryGetValues("x-switchyard-error", out var e) ? e.Single() : null;
            var challenge = response.Headers.WwwAuthenticate.Count > 0 ? string.Join(", ", response.Headers.GetValues("WWW-Authenticate")) : null;
            expected.Add(Describe(c.Name, c.Status, c.Error, c.Challenge, c.Backend, c.Target));
            var seen = c.Backend.Select(b => (b.Header, response.Headers.TryGetValues("x-echo-h-" + b.Header, out var v) ? v.Single() : null)).ToArray();
            var target = c.Target is null ? null : response.Headers.TryGetValues("x-echo-target", out var t) ? t.Single() : "(not forwarded)";
            actual.Add(Describe(c.Name, status, error, challenge, status == 200 ? seen : c.Backend, target));
        }
        var mismatches = expected.Zip(actual).Where(p => p.First != p.Second).Select(p => $"expected {p.First}\n     got {p.Second}").ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static string Describe(string name, int status, string? error, string? challenge, (string Header, string? Value)[] backend, string? target) =>
        $"{name}: {status} error={error ?? "-"} challenge={challenge ?? "-"} backend=[{string.Join(", ", backend.Select(b => $"{b.Header}={b.Value ?? "(absent)"}"))}] target={target ?? "-"}";
}
