using System.Net;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>Ingress <c>spec.tls</c> served on the --ingress-https address: certificates chosen by SNI (exact and wildcard hosts), checked with curl against the test CA.</summary>
public sealed class IngressTlsTests : IAsyncLifetime
{
    private static readonly IPAddress HttpAddress = IPAddress.Parse("127.0.0.3");
    private static readonly IPAddress HttpsAddress = IPAddress.Parse("127.0.0.4");
    private readonly TestCertificates _ca = new();
    private EchoBackend _backend = null!;
    private GatewayProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync("site");
        var (secure, _) = _ca.Secret("secure-tls", "default", "secure.example.test");
        var (wild, _) = _ca.Secret("wild-tls", "default", "*.wild.example.test");
        var yaml = Manifests.Service("site", _backend.Port) + secure + wild + """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: secure, namespace: default}
            spec:
              tls:
                - {hosts: [secure.example.test], secretName: secure-tls}
                - {hosts: ["*.wild.example.test"], secretName: wild-tls}
                - {hosts: [nosecret.example.test], secretName: missing-tls}
              rules:
                - host: secure.example.test
                  http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: site, port: {number: 80}}}}]}
                - host: "*.wild.example.test"
                  http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: site, port: {number: 80}}}}]}
            ---

            """;
        _proxy = await Manifests.StartAsync(yaml, new ProxyOptions { IngressHttp = new IPEndPoint(HttpAddress, 0), IngressHttps = new IPEndPoint(HttpsAddress, 0) });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
        _ca.Dispose();
    }

    private int PortOf(IPAddress address) => _proxy.Listeners.Single(l => l.Key.Address.Equals(address)).Value.Port;

    [SkippableTheory]
    [InlineData("secure.example.test", "CN=secure.example.test")]
    [InlineData("a.wild.example.test", "CN=*.wild.example.test")]
    public async Task IngressHttps_SniHost_ServesTheSecretOfItsTlsEntry(string host, string subject)
    {
        Curl.SkipIfMissing();
        Assert.Equal("site ", await _ca.CurlAsync(host, PortOf(HttpsAddress), HttpsAddress, "/cart", subject));
    }

    [SkippableFact]
    public async Task IngressHttp_SameIngress_StillServedInCleartext()
    {
        Curl.SkipIfMissing();
        var port = PortOf(HttpAddress);
        var (exit, body, err) = await Curl.RunAsync("--resolve", $"secure.example.test:{port}:{HttpAddress}", $"http://secure.example.test:{port}/");
        Assert.True(exit == 0, err);
        Assert.Equal("site ", body);
    }

    [Fact]
    public void IngressHttps_MissingSecret_IsWarnedAboutByName()
    {
        Assert.Contains("ingress default/secure: spec.tls secretName missing-tls: secret default/missing-tls not found", _proxy.Warnings);
    }
}
