using System.Net;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>
/// HTTPS Gateway listeners over real TLS: the certificate is chosen by SNI per listener hostname (exact and
/// wildcard) from kubernetes.io/tls Secrets made in the test, checked with curl and HttpClient against the test CA;
/// ALPN negotiates HTTP/2; a changed Secret is served to new connections; missing or invalid Secrets are reported.
/// </summary>
public sealed class TlsListenerTests : IAsyncLifetime
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.2");
    private readonly TestCertificates _ca = new();
    private EchoBackend _backend = null!;
    private GatewayProxy _proxy = null!;
    private string _shopSerial = "", _appsSerial = "";
    private int _port;

    private string Yaml(string shopSecret, string appsSecret) => Manifests.GatewayClass + $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: tls, namespace: default}
        spec:
          gatewayClassName: switchyard
          addresses: [{type: IPAddress, value: {{{Address}}}}]
          listeners:
            - {name: exact, port: 0, protocol: HTTPS, hostname: shop.example.test, tls: {mode: Terminate, certificateRefs: [{name: shop-tls}]}}
            - {name: wild, port: 0, protocol: HTTPS, hostname: "*.apps.example.test", tls: {certificateRefs: [{name: apps-tls}]}}
            - {name: missing, port: 0, protocol: HTTPS, hostname: missing.example.test, tls: {certificateRefs: [{name: nosuch}]}}
            - {name: broken, port: 0, protocol: HTTPS, hostname: broken.example.test, tls: {certificateRefs: [{name: broken-tls}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: site, namespace: default}
        spec:
          parentRefs: [{name: tls}]
          rules: [{backendRefs: [{name: site, port: 80}]}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: broken-tls, namespace: default}
        type: kubernetes.io/tls
        data: {tls.crt: bm90IGEgY2VydGlmaWNhdGU=, tls.key: bm90IGEga2V5}
        ---

        """ + Manifests.Service("site", _backend.Port) + shopSecret + appsSecret;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync("site");
        var (shop, shopSerial) = _ca.Secret("shop-tls", "default", "shop.example.test");
        var (apps, appsSerial) = _ca.Secret("apps-tls", "default", "*.apps.example.test");
        (_shopSerial, _appsSerial) = (shopSerial, appsSerial);
        _proxy = await Manifests.StartAsync(Yaml(shop, apps));
        Assert.True(_proxy.Listeners.Count == 1, "the HTTPS listener did not bind: " + string.Join("; ", _proxy.Warnings));
        _port = _proxy.Listeners.Single().Value.Port;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
        _ca.Dispose();
    }

    [SkippableTheory]
    [InlineData("shop.example.test", "CN=shop.example.test")]
    [InlineData("cart.apps.example.test", "CN=*.apps.example.test")]
    public async Task Curl_SniHostname_GetsThatListenersCertificate(string host, string subject)
    {
        Curl.SkipIfMissing();
        Assert.Equal("site ", await _ca.CurlAsync(host, _port, Address, "/hello", subject));
    }

    [Theory]
    [InlineData("shop.example.test", true)]
    [InlineData("x.apps.example.test", false)]
    public async Task HttpClient_Alpn_NegotiatesHttp2WithTheRightCertificate(string host, bool exact)
    {
        var serial = "";
        using var client = _ca.Client(Address, s => serial = s);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://{host}:{_port}/x") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(exact ? _shopSerial : _appsSerial, serial);
        Assert.Equal("https", response.Headers.GetValues("x-echo-h-x-forwarded-proto").Single());
    }

    [Fact]
    public async Task ExpiredCertificate_StillServed_WithAWarningNamingTheListener()
    {
        // The test CA issues for 7 days: 30 days on, both certificates have expired. Nothing in Gateway API's status says
        // so, and every handshake would fail: the operator is told.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(30));
        var (shop, _) = _ca.Secret("shop-tls", "default", "shop.example.test");
        var (apps, _) = _ca.Secret("apps-tls", "default", "*.apps.example.test");
        var objects = new Model.Manifests.ManifestReader(new Model.Manifests.ManifestReaderOptions { Validate = false }).ReadText("t.yaml", Yaml(shop, apps)).Resources;
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions(), objects, time);
        await proxy.StartAsync(CancellationToken.None);
        var expired = proxy.Warnings.Where(w => w.Contains("expired on", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, expired.Count);
        Assert.StartsWith("gateway default/tls listener exact: certificate CN=shop.example.test expired on ", expired[0], StringComparison.Ordinal);
        Assert.StartsWith("gateway default/tls listener wild: certificate CN=*.apps.example.test expired on ", expired[1], StringComparison.Ordinal);
        Assert.DoesNotContain(_proxy.Warnings, w => w.Contains("expired on", StringComparison.Ordinal)); // today: none
    }

    [Fact]
    public void Status_MissingOrInvalidSecret_ResolvedRefsFalseWithInvalidCertificateRef()
    {
        var status = (GatewayStatus)_proxy.Statuses.Single(s => s.Status is GatewayStatus).Status;
        var byName = status.Listeners!.ToDictionary(l => l.Name, l => l.Conditions!.Single(c => c.Type == "ResolvedRefs"));
        Assert.Equal(("True", "ResolvedRefs"), (byName["exact"].Status, byName["exact"].Reason));
        Assert.Equal(("True", "ResolvedRefs"), (byName["wild"].Status, byName["wild"].Reason));
        Assert.Equal(("False", "InvalidCertificateRef"), (byName["missing"].Status, byName["missing"].Reason));
        Assert.Equal("certificateRef: secret default/nosuch not found", byName["missing"].Message);
        Assert.Equal(("False", "InvalidCertificateRef"), (byName["broken"].Status, byName["broken"].Reason));
        Assert.StartsWith("certificateRef: secret default/broken-tls: certificate or key is invalid", byName["broken"].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotation_SecretChanges_NewConnectionsGetTheNewCertificate()
    {
        var (apps, _) = _ca.Secret("apps-tls", "default", "*.apps.example.test");
        var (rotated, rotatedSerial) = _ca.Secret("shop-tls", "default", "shop.example.test");
        Assert.NotEqual(_shopSerial, rotatedSerial);
        var before = "";
        using (var client = _ca.Client(Address, s => before = s))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"https://shop.example.test:{_port}/")).StatusCode);
        Assert.Equal(_shopSerial, before);

        await _proxy.ApplyAsync(Manifests.Read(Yaml(rotated, apps)), 2, CancellationToken.None);

        var after = "";
        using (var client = _ca.Client(Address, s => after = s))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"https://shop.example.test:{_port}/")).StatusCode);
        Assert.Equal(rotatedSerial, after);
        Assert.Equal(_port, _proxy.Listeners.Single().Value.Port);
    }

    [Fact]
    public async Task FromStore_SecretCreatedThenRotated_StatusAndCertificateFollow()
    {
        await using var store = new InMemoryResourceStore();
        var gateway = Manifests.GatewayClass + $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: live, namespace: default}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: "{{{Address}}}"}]
              listeners: [{name: https, port: 0, protocol: HTTPS, hostname: live.example.test, tls: {certificateRefs: [{name: live-tls}]}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: site, namespace: default}
            spec: {parentRefs: [{name: live}], rules: [{backendRefs: [{name: site, port: 80}]}]}
            ---

            """ + Manifests.Service("site", _backend.Port);
        foreach (var o in Manifests.Read(gateway)) Assert.True((await store.CreateAsync(o)).Ok);
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        Assert.Equal("False:InvalidCertificateRef:certificateRef: secret default/live-tls not found", await ResolvedRefsAsync(store, "False"));
        Assert.Empty(proxy.Listeners); // not programmed: no socket that would take connections only to close them

        var (first, firstSerial) = _ca.Secret("live-tls", "default", "live.example.test");
        Assert.True((await store.CreateAsync(Manifests.Read(first).Single())).Ok);
        Assert.Equal("True:ResolvedRefs:all references resolved", await ResolvedRefsAsync(store, "True"));
        var port = proxy.Listeners.Single().Value.Port;
        Assert.Equal(firstSerial, await ServedSerialAsync("live.example.test", port, firstSerial));

        var (second, secondSerial) = _ca.Secret("live-tls", "default", "live.example.test");
        Assert.True((await store.UpdateAsync(Manifests.Read(second).Single())).Ok);
        Assert.Equal(secondSerial, await ServedSerialAsync("live.example.test", port, secondSerial));
    }

    /// <summary>The listener's ResolvedRefs as written to the store, once it has <paramref name="status"/> (polled, bounded: 10 s).</summary>
    private static async Task<string> ResolvedRefsAsync(InMemoryResourceStore store, string status)
    {
        V1Condition? condition = null;
        for (var i = 0; i < 400 && condition?.Status != status; i++) // up to 20 s, as Wait.UntilAsync
        {
            if (i > 0) await Task.Delay(50);
            var gateway = (Gateway?)await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "live"));
            condition = gateway?.Status?.Listeners?.SingleOrDefault()?.Conditions?.SingleOrDefault(c => c.Type == "ResolvedRefs");
        }
        return $"{condition?.Status}:{condition?.Reason}:{condition?.Message}";
    }

    /// <summary>The serial of the certificate a new connection gets, once it is <paramref name="expected"/> (polled, bounded: 10 s).</summary>
    private async Task<string> ServedSerialAsync(string host, int port, string expected)
    {
        var serial = "";
        for (var i = 0; i < 200 && serial != expected; i++)
        {
            if (i > 0) await Task.Delay(50);
            using var client = _ca.Client(Address, s => serial = s);
            try
            {
                using var response = await client.GetAsync($"https://{host}:{port}/");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            catch (HttpRequestException)
            {
                serial = ""; // no certificate yet: the handshake fails until the compile that has the Secret is published
            }
        }
        return serial;
    }
}
