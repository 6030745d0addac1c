using System.Net;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ProxyProtocol;

/// <summary>
/// A real HAProxy in TCP mode in front of the gateway (an L4 load balancer with <c>send-proxy</c> or
/// <c>send-proxy-v2</c>), reached by curl bound to its own loopback address: the echo backend behind the gateway sees
/// curl's address in X-Forwarded-For, not HAProxy's, over an HTTP listener and over an HTTPS listener (TLS after the
/// header); a Service with <c>sessionAffinity: ClientIP</c> hashes the address the header carries.
/// </summary>
public sealed class ProxyProtocolHaProxyTests : IAsyncLifetime
{
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.81");
    private static readonly IPAddress Gateway = IPAddress.Parse("127.0.0.82");
    private static readonly IPAddress BalancerSource = IPAddress.Parse("127.0.0.83");
    private static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.85");
    private const string Host = "pp.example.test";

    private readonly TestCertificates _ca = new();
    private EchoBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await EchoBackend.StartAsync("site");

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _ca.Dispose();
    }

    private string Yaml(string protocol, string tls = "") => Manifests.GatewayClass
        + GatewayYaml.Gateway("edge", Gateway, "{gateway.switchyard.dev/proxy-protocol: \"true\"}", $"{{name: l, port: 0, protocol: {protocol}{tls}}}")
        + GatewayYaml.HttpRoute("site", "site", "edge")
        + Manifests.Service("site", _backend.Port);

    /// <summary>HAProxy listening on <see cref="Balancer"/>, sending every connection on to the gateway with <paramref name="send"/>.</summary>
    private static async Task<(HaProxy HaProxy, int Port)> BalancerAsync(int gatewayPort, string send)
    {
        var port = HaProxy.FreePort(Balancer);
        var haproxy = await HaProxy.StartAsync($"""
            frontend lb
                mode tcp
                bind {Balancer}:{port}
                default_backend gateway

            backend gateway
                mode tcp
                source {BalancerSource}
                server gw {Gateway}:{gatewayPort} {send}
            """, new IPEndPoint(Balancer, port));
        return (haproxy, port);
    }

    [SkippableTheory]
    [InlineData("send-proxy")]
    [InlineData("send-proxy-v2")]
    public async Task HaProxyInFront_HttpListener_BackendSeesCurlsAddress(string send)
    {
        HaProxy.SkipIfMissing();
        Curl.SkipIfMissing();
        var log = new SharedLog();
        await using var proxy = await Manifests.StartAsync(Yaml("HTTP"), new ProxyOptions { AccessLog = log.Writer });
        var (haproxy, port) = await BalancerAsync(proxy.Listeners[new IPEndPoint(Gateway, 0)].Port, send);
        await using var _ = haproxy;

        var (exit, output, error) = await Curl.RunAsync("--interface", ClientAddress.ToString(), "-D", "-", "-H", $"Host: {Host}", $"http://{Balancer}:{port}/shop");

        Assert.True(exit == 0, $"curl: {error}; haproxy: {haproxy.Output}");
        Assert.Contains("x-echo-h-x-forwarded-for: 127.0.0.85\r\n", output, StringComparison.OrdinalIgnoreCase);
        await Wait.UntilAsync(() => log.ToString().Contains("\"client\":\"127.0.0.85\"", StringComparison.Ordinal), "access log line naming curl's address");
        // HAProxy's readiness probe is forwarded with a header too, so curl's connection is at least the first accepted.
        Assert.True(proxy.Runtime.Metrics.ProxyProtocolCount("gateway default/edge port 0", "accepted") >= 1);
        Assert.Equal(0, proxy.Runtime.Metrics.ProxyProtocolCount("gateway default/edge port 0", "malformed"));
    }

    [SkippableFact]
    public async Task HaProxyInFront_HttpsListener_TlsAfterTheHeader()
    {
        HaProxy.SkipIfMissing();
        Curl.SkipIfMissing();
        var (secret, _) = _ca.Secret("edge-tls", "default", Host);
        await using var proxy = await Manifests.StartAsync(Yaml("HTTPS", $", hostname: {Host}, tls: {{certificateRefs: [{{name: edge-tls}}]}}") + secret);
        var (haproxy, port) = await BalancerAsync(proxy.Listeners[new IPEndPoint(Gateway, 0)].Port, "send-proxy-v2");
        await using var _ = haproxy;

        var (exit, output, error) = await Curl.RunAsync("--interface", ClientAddress.ToString(), "--cacert", _ca.CaFile, "-D", "-",
            "--resolve", $"{Host}:{port}:{Balancer}", $"https://{Host}:{port}/secure");

        Assert.True(exit == 0, $"curl: {error}; haproxy: {haproxy.Output}");
        Assert.Contains("x-echo-h-x-forwarded-for: 127.0.0.85\r\n", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-echo-h-x-forwarded-proto: https\r\n", output, StringComparison.OrdinalIgnoreCase);
    }
}
