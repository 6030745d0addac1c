using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.TlsRoutes;

/// <summary>
/// A relayed TLS connection that carries nothing for the idle timeout (the process's, or its Service's
/// lb.switchyard.dev/idle-timeout) is closed, and the access log says why.
/// </summary>
public sealed class TlsRouteIdleTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the process's timeout is 1 h: the Service's annotation alone sets 1 s
    public async Task IdleConnection_ClosedAfterTheIdleTimeout(bool serviceAnnotation)
    {
        using var ca = new TestCertificates();
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => c.Response.WriteAsync("db"),
            certificate: ca.ServerCertificate("db.example.test", ["db.example.test"]));
        var log = new SharedLog();
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec: {gatewayClassName: switchyard, listeners: [{name: tls, port: 0, protocol: TLS, tls: {mode: Passthrough}}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: db, namespace: default}
            spec:
              parentRefs: [{name: edge}]
              hostnames: [db.example.test]
              rules: [{backendRefs: [{name: db, port: 80}]}]
            ---

            """ + Manifests.Service("db", "default", serviceAnnotation ? "{lb.switchyard.dev/idle-timeout: 1s}" : "", backend.Port),
            new ProxyOptions { TlsIdleTimeout = serviceAnnotation ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(1), AccessLog = log.Writer });
        using var client = ca.Client(IPAddress.Loopback, _ => { }); // keeps its connection for a minute unless the gateway closes it

        Assert.Equal("db", await client.GetStringAsync($"https://db.example.test:{Manifests.Port(proxy)}/"));

        await Wait.UntilAsync(() => proxy.Runtime.Metrics.TlsConnectionCount("tlsroute default/db rule 0", "forwarded") >= 1, "the idle connection to be closed", seconds: 15);
        await Wait.UntilAsync(() => log.ToString().Contains("closed after 1 s without a byte either way", StringComparison.Ordinal), "the access log line");
    }
}
