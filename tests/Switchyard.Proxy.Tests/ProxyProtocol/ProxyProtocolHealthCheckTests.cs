using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ProxyProtocol;

/// <summary>
/// Active health checks of endpoints reached with the PROXY protocol (annotation lb.switchyard.dev/proxy-protocol):
/// each check connection starts with the health-check header (v2 LOCAL; v1 the check connection's own addresses), so
/// a real HAProxy frontend with <c>accept-proxy</c>, which closes connections without a header, keeps passing them,
/// also over TLS under a BackendTLSPolicy; the same frontend checked without the annotation fails them; a recording
/// backend shows the exact header.
/// </summary>
public sealed class ProxyProtocolHealthCheckTests : IDisposable
{
    private static readonly IPAddress Gateway = IPAddress.Parse("127.0.0.93");
    private static readonly IPAddress Backend = IPAddress.Parse("127.0.0.92");
    private const string Hostname = "site.web.svc.cluster.local";

    private readonly TestCertificates _ca = new();

    public void Dispose() => _ca.Dispose();

    /// <remarks>A generous timeout: a check slowed by a loaded machine is not what these tests look for.</remarks>
    private static string Checked(string proxyProtocol) =>
        "{lb.switchyard.dev/health-check-path: /healthz, lb.switchyard.dev/health-check-interval: 20ms, lb.switchyard.dev/health-check-timeout: 5s, "
        + "lb.switchyard.dev/health-check-unhealthy-threshold: \"2\"" + (proxyProtocol == "" ? "" : $", lb.switchyard.dev/proxy-protocol: {proxyProtocol}") + "}";

    private static string Yaml(int port, string proxyProtocol, string extra = "") => Manifests.GatewayClass
        + GatewayYaml.Gateway("edge", Gateway)
        + GatewayYaml.HttpRoute("site", "site", "edge")
        + GatewayYaml.Service("site", Backend, port, Checked(proxyProtocol)) + extra;

    /// <summary>HAProxy on <see cref="Backend"/> that requires the PROXY protocol (closing connections without it) and answers every request with 200.</summary>
    private static async Task<(HaProxy HaProxy, int Port)> AcceptingHaProxyAsync(string ssl = "")
    {
        var port = HaProxy.FreePort(Backend);
        var haproxy = await HaProxy.StartAsync($"""
            frontend pp
                mode http
                bind {Backend}:{port} accept-proxy{ssl}
                http-request return status 200 content-type text/plain lf-string "src=%[src]"
            """, new IPEndPoint(Backend, port));
        return (haproxy, port);
    }

    private static EndpointState Endpoint(GatewayProxy proxy) => Assert.Single(proxy.Runtime.Endpoints.All);

    [SkippableTheory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task HaProxyAcceptProxy_ChecksSendTheHeader_EndpointStaysHealthy(string version)
    {
        HaProxy.SkipIfMissing();
        var (haproxy, port) = await AcceptingHaProxyAsync();
        await using var _ = haproxy;
        await using var proxy = await Manifests.StartAsync(Yaml(port, version));
        var endpoint = Endpoint(proxy);
        Assert.Equal($"{Backend}:{port} proxy-{version}", endpoint.Name);

        await Wait.UntilAsync(() => proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: true) >= 5, "five passing checks");

        Assert.Equal(0, proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: false));
        Assert.False(endpoint.FailingActiveChecks);
        Assert.Null(endpoint.LastHealthCheckFailure);
        var (response, _) = await ProxyProtocolClient.ExchangeAsync(IPAddress.Parse("127.0.0.94"), Gateway, proxy.Listeners[new IPEndPoint(Gateway, 0)].Port,
            ProxyProtocolClient.Ascii("GET / HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("src=127.0.0.94", response); // requests still carry the client's address
    }

    [SkippableFact]
    public async Task HaProxyAcceptProxy_ChecksWithoutTheAnnotation_EndpointFails()
    {
        HaProxy.SkipIfMissing();
        var (haproxy, port) = await AcceptingHaProxyAsync();
        await using var _ = haproxy;
        await using var proxy = await Manifests.StartAsync(Yaml(port, proxyProtocol: ""));
        var endpoint = Endpoint(proxy);

        await Wait.UntilAsync(() => endpoint.FailingActiveChecks, "the endpoint checked without a header marked failing");

        Assert.StartsWith("GET /healthz failed: ", endpoint.LastHealthCheckFailure, StringComparison.Ordinal);
        Assert.Equal(0, proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: true));
    }

    [SkippableFact]
    public async Task HaProxyAcceptProxySsl_BackendTlsPolicy_HeaderThenTls_EndpointStaysHealthy()
    {
        HaProxy.SkipIfMissing();
        using var certificate = _ca.ServerCertificate(Hostname, [Hostname]);
        var pem = Path.Combine(Path.GetTempPath(), $"switchyard-test-pp-{Guid.NewGuid():N}.pem");
        using (var key = certificate.GetRSAPrivateKey()!)
        {
            await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        }
        try
        {
            var (haproxy, port) = await AcceptingHaProxyAsync($" ssl crt {pem}");
            await using var _ = haproxy;
            await using var proxy = await Manifests.StartAsync(Yaml(port, "v2", $$"""
                apiVersion: gateway.networking.k8s.io/v1
                kind: BackendTLSPolicy
                metadata: {name: site-tls, namespace: default}
                spec:
                  targetRefs: [{group: "", kind: Service, name: site}]
                  validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: site-ca}], hostname: {{Hostname}}}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: site-ca, namespace: default}
                data:
                  ca.crt: |
                {{string.Join("\n", _ca.Ca.ExportCertificatePem().Trim().Split('\n').Select(l => "    " + l))}}

                """));
            var endpoint = Endpoint(proxy);
            Assert.Matches($"^{Regex.Escape(Backend.ToString())}:{port} tls:[0-9a-f]{{8}} proxy-v2$", endpoint.Name);

            await Wait.UntilAsync(() => proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: true) >= 3, "three passing checks over TLS after the header");

            Assert.Equal(0, proxy.Runtime.Metrics.HealthCheckCount(endpoint, passed: false));
            Assert.False(endpoint.FailingActiveChecks);
        }
        finally
        {
            File.Delete(pem);
        }
    }

    [Fact]
    public async Task RecordingBackend_V2_ChecksSendLocal()
    {
        await using var backend = new ProxyProtocolBackend(Backend);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, "v2"));

        await Wait.UntilAsync(() => { lock (backend.Headers) return backend.Headers.Count >= 1; }, "a check connection");
        await Wait.UntilAsync(() => proxy.Runtime.Metrics.HealthCheckCount(Endpoint(proxy), passed: true) >= 2, "two passing checks");

        lock (backend.Headers) Assert.All(backend.Headers, h => Assert.Equal(Convert.ToHexString(ProxyProtocolClient.V2Local()), h));
    }

    [Fact]
    public async Task RecordingBackend_V1_ChecksSendTheirOwnConnectionsAddresses()
    {
        await using var backend = new ProxyProtocolBackend(Backend);
        await using var proxy = await Manifests.StartAsync(Yaml(backend.Port, "v1"));

        await Wait.UntilAsync(() => { lock (backend.Headers) return backend.Headers.Count >= 1; }, "a check connection");
        await Wait.UntilAsync(() => proxy.Runtime.Metrics.HealthCheckCount(Endpoint(proxy), passed: true) >= 2, "two passing checks");

        lock (backend.Headers) Assert.All(backend.Headers, h => Assert.Matches($@"^PROXY TCP4 127\.\d+\.\d+\.\d+ {Regex.Escape(Backend.ToString())} \d+ {backend.Port}$", h));
    }
}
