using System.Security.Cryptography;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Auth;

/// <summary>
/// Remote key sets over real sockets: a proxy whose providers fetch their keys from a local HTTPS issuer
/// (<see cref="JwksServer"/>, certificate from the test CA named in caCertificateRefs). Tokens validate once the first
/// fetch is in; two filters naming the same URI share one fetcher and one fetch; before any key set is fetched (issuer
/// unreachable, or its certificate not trusted) tokens are refused with "jwks not fetched yet"; a rotated key is picked
/// up by the fetch a token with an unknown kid brings forward; an issuer that fails keeps the last good keys in use.
/// </summary>
public sealed class RemoteJwksTests : IAsyncLifetime
{
    private const string Route = "route httproute default/r rule ";
    private readonly Jwts _keys = new();
    private readonly TestCertificates _ca = new();
    private readonly RSA _rotated = RSA.Create(2048);
    private JwksServer _issuer = null!;
    private EchoBackend _echo = null!;
    private GatewayProxy _proxy = null!;
    private HttpClient _client = null!;
    private string _deadUri = "";

    private static string Rule(string name, string filter) =>
        $"    - name: {name}\n      matches: [{{path: {{value: /{name}}}}}]\n"
        + $"      filters: [{GatewayYaml.TrafficFilterRef(filter)}]\n"
        + "      backendRefs: [{name: echo, port: 80}]";

    private static string Filter(string name, string provider, string remote) => GatewayYaml.TrafficFilter(name, $$"""
          jwt:
            providers:
            - name: {{provider}}
              issuer: https://idp.test
              claimToHeaders: [{header: x-user, claim: sub}]
              remoteJWKS: {{remote}}
        """);

    public async Task InitializeAsync()
    {
        _issuer = await JwksServer.StartAsync(_ca, _keys.Jwks);
        _echo = await EchoBackend.StartAsync("echo");
        _deadUri = $"https://localhost:{Ports.Closed()}/jwks.json";
        var ca = "caCertificateRefs: [{group: '', kind: ConfigMap, name: issuer-ca}]";
        var rules = string.Join("\n", Rule("a", "remote-a"), Rule("b", "remote-b"), Rule("dead", "dead"), Rule("untrusted", "untrusted"), Rule("noca", "noca"));
        var yaml = GatewayYaml.Route(rules) + Manifests.Service("echo", _echo.Port) + JwksServer.CaConfigMap(_ca, "issuer-ca")
            + Filter("remote-a", "idp", $"{{uri: '{_issuer.Uri}', {ca}}}")
            + Filter("remote-b", "idp-again", $"{{uri: '{_issuer.Uri}', cacheDuration: 1h, {ca}}}")
            + Filter("dead", "idp", $"{{uri: '{_deadUri}', {ca}}}")
            + Filter("untrusted", "idp", $"{{uri: '{_issuer.Uri}'}}") // the system's roots do not hold the test CA
            + Filter("noca", "idp", $"{{uri: '{_issuer.Uri}', caCertificateRefs: [{{group: '', kind: ConfigMap, name: missing}}]}}");
        _proxy = await Manifests.StartAsync(yaml);
        _client = Manifests.Client();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _echo.DisposeAsync();
        await _issuer.DisposeAsync();
        _rotated.Dispose();
        _ca.Dispose();
        _keys.Dispose();
    }

    private async Task<(int Status, string? Error, string? Challenge, string? User)> Get(string path, string? token)
    {
        using var request = Manifests.Request(Manifests.Port(_proxy), "a.test", "GET", path, token is null ? [] : [("Authorization", "Bearer " + token)]);
        using var response = await _client.SendAsync(request);
        return ((int)response.StatusCode,
            response.Headers.TryGetValues("x-switchyard-error", out var e) ? e.Single() : null,
            response.Headers.WwwAuthenticate.Count > 0 ? string.Join(", ", response.Headers.GetValues("WWW-Authenticate")) : null,
            response.Headers.TryGetValues("x-echo-h-x-user", out var u) ? u.Single() : null);
    }

    private Task WaitForKeysAsync(string path, string token) =>
        Wait.UntilAsync(async () => (await Get(path, token)).Status == 200, $"{path}: a token admitted once the key set is fetched");

    private long Fetches(string uri, string result) => _proxy.Runtime.Metrics.JwksFetchCount(uri, result);

    [Fact]
    public async Task RemoteJwks_AfterFirstFetch_TokensValidateAndProvidersShareOneFetch()
    {
        var token = _keys.Rs256(Jwts.Claims());
        await WaitForKeysAsync("/a", token);
        Assert.Equal((200, null, null, "alice"), await Get("/a", token));
        Assert.Equal((200, null, null, "alice"), await Get("/b", _keys.Es256(Jwts.Claims())));
        var forged = _keys.Rs256(Jwts.Claims(), kid: "rsa-1", rsa: _keys.Stranger);
        Assert.Equal(401, (await Get("/b", forged)).Status);
        // remote-a and remote-b name the same URI and CA: one fetcher (of three: trusted, untrusted, dead), one fetch.
        Assert.Equal(3, _proxy.Jwks.Count);
        Assert.Equal(1, _issuer.Requests);
        var uri = _issuer.Uri.AbsoluteUri;
        Assert.Equal(1, Fetches(uri, "ok"));
        Assert.Contains($"switchyard_proxy_jwks_fetch_total{{uri=\"{uri}\",result=\"ok\"}} 1", _proxy.Runtime.Metrics.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteJwks_BeforeFirstFetch_FailsClosedWithReason()
    {
        var token = _keys.Rs256(Jwts.Claims());
        // Refused, as a rule; under a loaded run the connect may time out instead, or a parallel test may have bound the
        // closed port since: any failed fetch is the point (it failed once in CI waiting for "connect" alone).
        string[] failures = [RemoteJwks.Connect, RemoteJwks.Timeout, RemoteJwks.Tls, RemoteJwks.Status, RemoteJwks.TooLarge, RemoteJwks.Invalid];
        await Wait.UntilAsync(() => failures.Sum(f => Fetches(_deadUri, f)) >= 1, "the unreachable issuer counted as a failed fetch");
        await Wait.UntilAsync(() => Fetches(_issuer.Uri.AbsoluteUri, "tls") >= 1, "the untrusted issuer counted as a TLS failure");
        var challenge = "Bearer realm=\"a.test\", error=\"invalid_token\", error_description=\"jwks not fetched yet\"";
        (string Path, string? Token, int Status, string? Error, string? Challenge)[] table =
        [
            ("/dead", token, 401, Route + "dead: httptrafficfilter default/dead: jwt: invalid token: provider idp: jwks not fetched yet", challenge),
            ("/untrusted", token, 401, Route + "untrusted: httptrafficfilter default/untrusted: jwt: invalid token: provider idp: jwks not fetched yet", challenge),
            ("/dead", null, 401, Route + "dead: httptrafficfilter default/dead: jwt: missing token", "Bearer realm=\"a.test\""),
            ("/noca", token, 500, Route + "noca: httptrafficfilter default/noca: jwt provider idp: remoteJWKS: caCertificateRef ConfigMap default/missing not found", null),
        ];
        var seen = new List<(string, string?, int, string?, string?)>();
        foreach (var (path, t, _, _, _) in table)
        {
            var (status, error, ch, _) = await Get(path, t);
            seen.Add((path, t, status, error, ch));
        }
        Assert.Equal(table, seen);
        Assert.Equal(1, _proxy.Runtime.Metrics.AuthRefusedCount("httproute default/r rule dead", "jwt_jwks_unavailable"));
        Assert.Equal(0, Fetches(_deadUri, "ok"));
    }

    [Fact]
    public async Task RemoteJwks_NoLongerNamed_FetcherStoppedAfterGrace()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var ca = "caCertificateRefs: [{group: '', kind: ConfigMap, name: issuer-ca}]";
        var named = GatewayYaml.Route(Rule("a", "remote-a")) + Manifests.Service("echo", _echo.Port) + JwksServer.CaConfigMap(_ca, "issuer-ca")
            + Filter("remote-a", "idp", $"{{uri: '{_issuer.Uri}', {ca}}}");
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions(), Manifests.Read(named), time);
        await proxy.StartAsync(CancellationToken.None);
        Assert.Equal(1, proxy.Jwks.Count); // started by the compile, before any request
        await proxy.ApplyAsync(Manifests.Read(named), 2, CancellationToken.None);
        Assert.Equal(1, proxy.Jwks.Count); // kept across compiles
        await proxy.ApplyAsync(Manifests.Read(GatewayYaml.AllTo("echo") + Manifests.Service("echo", _echo.Port)), 3, CancellationToken.None);
        Assert.Equal(1, proxy.Jwks.Count); // requests of the old snapshot may still use it
        time.Advance(TimeSpan.FromSeconds(31));
        await Wait.UntilAsync(() => proxy.Jwks.Count == 0, "the fetcher no compile names stopped after the grace");
    }

    [Fact]
    public async Task RemoteJwks_KeyRotated_UnknownKidFetchesAgain()
    {
        await WaitForKeysAsync("/a", _keys.Rs256(Jwts.Claims()));
        _issuer.Body = $$"""{"keys":[{{Jwts.RsaJwk(_rotated, "rsa-2")}}]}""";
        var rotated = _keys.Rs256(Jwts.Claims(), kid: "rsa-2", rsa: _rotated);
        // The first token with the new kid is refused (the fetch runs off the request path) and brings the fetch forward.
        await WaitForKeysAsync("/a", rotated);
        Assert.Equal(2, _issuer.Requests);
        var (status, error, _, _) = await Get("/a", _keys.Rs256(Jwts.Claims()));
        Assert.Equal((401, Route + "a: httptrafficfilter default/remote-a: jwt: invalid token: provider idp: no key of the key set matches the token's kid"), (status, error));
        Assert.Equal(200, (await Get("/b", rotated)).Status); // the other filter shares the fetcher, so the new keys too
    }

    [Fact]
    public async Task RemoteJwks_IssuerFails_LastGoodKeysKept()
    {
        var token = _keys.Rs256(Jwts.Claims());
        await WaitForKeysAsync("/a", token);
        _issuer.Status = 503;
        _issuer.Body = "unavailable";
        // A token with an unknown kid brings a fetch forward; it fails, and the keys fetched before stay in use.
        Assert.Equal(401, (await Get("/a", _keys.Rs256(Jwts.Claims(), kid: "rsa-9", rsa: _keys.Stranger))).Status);
        await Wait.UntilAsync(() => Fetches(_issuer.Uri.AbsoluteUri, "status") >= 1, "the failed fetch counted");
        Assert.Equal((200, null, null, "alice"), await Get("/a", token));
        Assert.Equal(200, (await Get("/b", _keys.Es256(Jwts.Claims()))).Status);
    }
}
