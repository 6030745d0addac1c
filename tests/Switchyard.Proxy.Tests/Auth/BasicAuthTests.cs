using System.Text;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>
/// Basic authentication of HTTPTrafficFilter over real sockets: right, wrong and unknown users, missing and malformed
/// credentials, the user name header (spoofed copies replaced), Authorization removed before forwarding; order with
/// the rate limit (refused requests take no token); and failing closed: a missing Secret or ConfigMap, an htpasswd
/// with a hash format that is not served, a key set without a usable key, each answering 500 with the route's
/// ResolvedRefs saying why.
/// </summary>
public sealed class BasicAuthTests
{
    private const string Route = "httproute default/r rule 0";

    private static string Rule(string filter) =>
        $"    - filters: [{GatewayYaml.TrafficFilterRef(filter)}]\n"
        + "      backendRefs: [{name: svc, port: 80}]";

    /// <summary>Secret <c>users</c> with alice/wonderland and bob/builder, the htpasswd as base64 <c>data</c> like kubectl writes it.</summary>
    private static string Users(string htpasswd) => $"""
        apiVersion: v1
        kind: Secret
        metadata: {"{"}name: users, namespace: default{"}"}
        data: {"{"}.htpasswd: {Convert.ToBase64String(Encoding.UTF8.GetBytes(htpasswd))}{"}"}
        ---

        """;

    private static readonly string Htpasswd = $"# users\n{Jwts.Htpasswd("alice", "wonderland")}\n\n{Jwts.Htpasswd("bob", "bü:lder")}\n";

    private static (string, string) Basic(string user, string password) => ("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<(GatewayProxy Proxy, EchoBackend Backend)> StartAsync(string filterSpec, string extra = "")
    {
        var backend = await EchoBackend.StartAsync("b");
        var proxy = await Manifests.StartAsync(GatewayYaml.Route(Rule("auth")) + GatewayYaml.TrafficFilter("auth", filterSpec) + extra + Manifests.Service("svc", backend.Port));
        return (proxy, backend);
    }

    private static async Task<(int Status, string? Error, string? Challenge, HttpResponseMessage Response)> Get(HttpClient client, GatewayProxy proxy, params (string, string)[] headers)
    {
        var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/", headers));
        var error = response.Headers.TryGetValues("x-switchyard-error", out var v) ? v.Single() : null;
        var challenge = response.Headers.TryGetValues("WWW-Authenticate", out var c) ? string.Join(", ", c) : null;
        return ((int)response.StatusCode, error, challenge, response);
    }

    private static string? Echoed(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues("x-echo-h-" + header, out var v) ? v.Single() : null;

    [Fact]
    public async Task Basic_Credentials_AdmittedOrRefused()
    {
        var (proxy, backend) = await StartAsync("{basicAuth: {users: {name: users}, forwardUsernameHeader: x-user}}", Users(Htpasswd));
        await using var _ = proxy;
        await using var __ = backend;
        using var client = Manifests.Client();
        const string Challenge = "Basic realm=\"a.test\", charset=\"UTF-8\"";
        var prefix = $"route {Route}: httptrafficfilter default/auth: basic auth: ";
        (string Name, (string, string)[] Headers, int Status, string? Error, string? User)[] cases =
        [
            ("right password", [Basic("alice", "wonderland")], 200, null, "alice"),
            ("UTF-8 password with a colon", [Basic("bob", "bü:lder")], 200, null, "bob"),
            ("spoofed user header replaced", [Basic("bob", "bü:lder"), ("X-User", "alice")], 200, null, "bob"),
            ("scheme matched ignoring case", [("Authorization", "basic " + Convert.ToBase64String("alice:wonderland"u8.ToArray()))], 200, null, "alice"),
            ("wrong password", [Basic("alice", "looking-glass")], 401, prefix + "invalid user name or password", null),
            ("unknown user", [Basic("mallory", "wonderland")], 401, prefix + "invalid user name or password", null),
            ("user name is case-sensitive", [Basic("Alice", "wonderland")], 401, prefix + "invalid user name or password", null),
            ("missing", [], 401, prefix + "missing credentials", null),
            ("spoofed user header without credentials", [("x-user", "alice")], 401, prefix + "missing credentials", null),
            ("Bearer is not Basic", [("Authorization", "Bearer abc")], 401, prefix + "missing credentials", null),
            ("not base64", [("Authorization", "Basic !!!")], 401, prefix + "malformed credentials", null),
            ("no colon", [("Authorization", "Basic " + Convert.ToBase64String("alice"u8.ToArray()))], 401, prefix + "malformed credentials", null),
        ];
        var failures = new List<string>();
        foreach (var (name, headers, status, error, user) in cases)
        {
            var (s, e, c, response) = await Get(client, proxy, headers);
            using (response)
            {
                var expected = (status, error, status == 401 ? Challenge : null, user, (string?)null);
                var actual = (s, e, c, Echoed(response, "x-user"), Echoed(response, "authorization"));
                if (expected != actual) failures.Add($"{name}: expected {expected}, got {actual}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(2, backend.Requests + 2 - cases.Count(c => c.Status == 200));
        Assert.Equal(3, proxy.Runtime.Metrics.AuthRefusedCount(Route, "basic_invalid"));
        Assert.Equal(3, proxy.Runtime.Metrics.AuthRefusedCount(Route, "basic_missing"));
        Assert.Equal(2, proxy.Runtime.Metrics.AuthRefusedCount(Route, "basic_malformed"));
    }

    [SkippableFact]
    public async Task Curl_UserOption_AdmittedAndChallengedWithout()
    {
        Curl.SkipIfMissing();
        var (proxy, backend) = await StartAsync("{basicAuth: {users: {name: users}, forwardUsernameHeader: x-user}}", Users(Htpasswd));
        await using var _ = proxy;
        await using var __ = backend;
        var url = $"http://127.0.0.1:{Manifests.Port(proxy)}/";
        var (exit, output, error) = await Curl.RunAsync("-s", "-i", "-u", "alice:wonderland", url, "-H", "Host: a.test");
        Assert.True(exit == 0, error);
        Assert.StartsWith("HTTP/1.1 200", output, StringComparison.Ordinal);
        Assert.Contains("x-echo-h-x-user: alice", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-echo-h-authorization", output, StringComparison.OrdinalIgnoreCase);
        (exit, output, error) = await Curl.RunAsync("-s", "-i", "-u", "alice:nope", url, "-H", "Host: a.test");
        Assert.True(exit == 0, error);
        Assert.StartsWith("HTTP/1.1 401", output, StringComparison.Ordinal);
        Assert.Contains("www-authenticate: Basic realm=\"a.test\", charset=\"UTF-8\"", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Basic_ForwardCredentialsAndRealm_AuthorizationKept()
    {
        var (proxy, backend) = await StartAsync("{basicAuth: {users: {group: \"\", kind: Secret, name: users}, forwardCredentials: true, realm: shop}}", Users(Htpasswd));
        await using var _ = proxy;
        await using var __ = backend;
        using var client = Manifests.Client();
        var credentials = Basic("alice", "wonderland");
        var (status, _, _, ok) = await Get(client, proxy, credentials);
        using (ok) Assert.Equal((200, credentials.Item2), (status, Echoed(ok, "authorization")));
        var (refused, _, challenge, no) = await Get(client, proxy);
        no.Dispose();
        Assert.Equal((401, "Basic realm=\"shop\", charset=\"UTF-8\""), (refused, challenge));
    }

    [Fact]
    public async Task BasicWithRateLimit_RefusedRequests_TakeNoToken()
    {
        var (proxy, backend) = await StartAsync("{basicAuth: {users: {name: users}}, rateLimit: {requests: 1, unit: Hour}}", Users(Htpasswd));
        await using var _ = proxy;
        await using var __ = backend;
        using var client = Manifests.Client();
        var statuses = new List<int>();
        foreach (var headers in new[] { Array.Empty<(string, string)>(), [Basic("alice", "nope")], [Basic("alice", "wonderland")], [Basic("alice", "wonderland")] })
        {
            var (status, _, _, response) = await Get(client, proxy, headers);
            response.Dispose();
            statuses.Add(status);
        }
        Assert.Equal([401, 401, 200, 429], statuses);
        Assert.Equal(1, backend.Requests);
    }

    [Fact]
    public async Task BasicAndJwt_BothRequired()
    {
        using var keys = new Jwts();
        var spec = $$$"""{basicAuth: {users: {name: users}}, jwt: {providers: [{name: corp, localJWKS: {type: Inline, inline: '{{{keys.Jwks}}}'}, extractFrom: {headers: [{name: x-jwt}]}}]}}""";
        var (proxy, backend) = await StartAsync(spec, Users(Htpasswd));
        await using var _ = proxy;
        await using var __ = backend;
        using var client = Manifests.Client();
        var token = ("x-jwt", keys.Rs256(Jwts.Claims()));
        var results = new List<(int, string?)>();
        foreach (var headers in new[] { [Basic("alice", "wonderland"), token], [token], new[] { Basic("alice", "wonderland") } })
        {
            var (status, _, challenge, response) = await Get(client, proxy, headers);
            response.Dispose();
            results.Add((status, challenge));
        }
        Assert.Equal([(200, null), (401, "Basic realm=\"a.test\", charset=\"UTF-8\""), (401, "Bearer realm=\"a.test\"")], results);
    }

    [Fact]
    public async Task MissingAndBrokenReferences_FailClosed500_ResolvedRefsSaysWhy()
    {
        // Every way a filter's credentials can be unusable, each on its own rule of one route.
        var rules = string.Join("\n", new[] { "no-secret", "no-key", "bcrypt", "no-configmap", "no-jwks-key", "no-usable-key", "not-jwks" }.Select(name =>
            $"    - name: {name}\n      matches: [{{path: {{value: /{name}}}}}]\n"
            + $"      filters: [{{type: ExtensionRef, extensionRef: {{group: gateway.switchyard.dev, kind: HTTPTrafficFilter, name: {name}}}}}]\n"
            + "      backendRefs: [{name: svc, port: 80}]"));
        const string Okp = """{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}""";
        var yaml = GatewayYaml.Route(rules) + Manifests.Service("svc", 9)
            + GatewayYaml.TrafficFilter("no-secret", "{basicAuth: {users: {name: absent}}}")
            + GatewayYaml.TrafficFilter("no-key", "{basicAuth: {users: {name: other-key}}}")
            + "apiVersion: v1\nkind: Secret\nmetadata: {name: other-key, namespace: default}\nstringData: {users: \"alice:{SHA}x\"}\n---\n"
            + GatewayYaml.TrafficFilter("bcrypt", "{basicAuth: {users: {name: users}}}")
            + Users($"{Jwts.Htpasswd("alice", "a")}\nbob:$2y$05$abcdefghijklmnopqrstuu5Ngl0gUvd0hYm0VOXbJ1lKZ4ZG7J.pW\ncarol\n")
            + GatewayYaml.TrafficFilter("no-configmap", "{jwt: {providers: [{name: corp, localJWKS: {type: ValueRef, valueRef: {group: \"\", kind: ConfigMap, name: absent}}}]}}")
            + GatewayYaml.TrafficFilter("no-jwks-key", "{jwt: {providers: [{name: corp, localJWKS: {type: ValueRef, valueRef: {group: \"\", kind: ConfigMap, name: keys}}}]}}")
            + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys, namespace: default}\ndata: {jwks.json: \"{}\"}\n---\n"
            + GatewayYaml.TrafficFilter("no-usable-key", $"{{jwt: {{providers: [{{name: corp, localJWKS: {{type: Inline, inline: '{Okp}'}}}}]}}}}")
            + GatewayYaml.TrafficFilter("not-jwks", "{jwt: {providers: [{name: corp, localJWKS: {type: Inline, inline: 'keys'}}]}}");
        await using var proxy = await Manifests.StartAsync(yaml);
        using var client = Manifests.Client();
        var expected = new Dictionary<string, string>
        {
            ["no-secret"] = "httptrafficfilter default/no-secret: basicAuth: secret default/absent not found",
            ["no-key"] = "httptrafficfilter default/no-key: basicAuth: secret default/other-key has no key .htpasswd",
            ["bcrypt"] = "httptrafficfilter default/bcrypt: basicAuth: secret default/users .htpasswd: line 2 (user bob): a bcrypt hash is not supported; use {SHA} hashes (htpasswd -s); "
                + "basicAuth: secret default/users .htpasswd: line 3: not user:hash",
            ["no-configmap"] = "httptrafficfilter default/no-configmap: jwt provider corp: configmap default/absent not found",
            ["no-jwks-key"] = "httptrafficfilter default/no-jwks-key: jwt provider corp: configmap default/keys has no key jwks",
            ["no-usable-key"] = "httptrafficfilter default/no-usable-key: jwt provider corp: key set inline holds no usable signing key (1 key(s); supported: RSA, EC P-256/P-384/P-521, oct)",
            ["not-jwks"] = "httptrafficfilter default/not-jwks is invalid: spec.jwt.providers[0].localJWKS.inline: Invalid value: must be a JSON Web Key Set: not JSON ("
        };
        var failures = new List<string>();
        foreach (var (name, reason) in expected)
        {
            var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/" + name, Basic("alice", "a")));
            var error = response.Headers.TryGetValues("x-switchyard-error", out var v) ? v.Single() : "";
            if ((int)response.StatusCode != 500 || !error.StartsWith($"route httproute default/r rule {name}: {reason}", StringComparison.Ordinal))
                failures.Add($"{name}: {(int)response.StatusCode} {error}");
            response.Dispose();
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var route = (HTTPRouteStatus)proxy.Statuses.Single(s => s.Object is HTTPRoute).Status;
        var resolved = route.Parents!.Single().Conditions!.Single(c => c.Type == "ResolvedRefs");
        Assert.Equal(("False", "BackendNotFound"), (resolved.Status, resolved.Reason));
        Assert.StartsWith("rule 0: extensionRef: httptrafficfilter default/no-secret: basicAuth: secret default/absent not found; rule 1: extensionRef: ", resolved.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("$2y$05$", resolved.Message, StringComparison.Ordinal); // no hash ever leaves the Secret
        Assert.DoesNotContain(Jwts.Htpasswd("alice", "a")[6..], resolved.Message, StringComparison.Ordinal);
        var accepted = route.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal("True", accepted.Status);
    }

    [Fact]
    public async Task SecretAddedLater_Reconfigured_RuleStartsAuthenticating()
    {
        var backend = await EchoBackend.StartAsync("b");
        await using var _ = backend;
        var yaml = GatewayYaml.Route(Rule("auth")) + GatewayYaml.TrafficFilter("auth", "{basicAuth: {users: {name: users}}}") + Manifests.Service("svc", backend.Port);
        await using var proxy = await Manifests.StartAsync(yaml);
        using var client = Manifests.Client();
        var (before, _, _, r1) = await Get(client, proxy, Basic("alice", "wonderland"));
        r1.Dispose();
        var read = new Model.Manifests.ManifestReader(new Model.Manifests.ManifestReaderOptions { Validate = false }).ReadText("t.yaml", yaml + Users(Htpasswd));
        await proxy.ApplyAsync([.. read.Resources], 2, CancellationToken.None);
        var (after, _, _, r2) = await Get(client, proxy, Basic("alice", "wonderland"));
        r2.Dispose();
        var (refused, _, _, r3) = await Get(client, proxy);
        r3.Dispose();
        Assert.Equal((500, 200, 401), (before, after, refused));
    }
}
