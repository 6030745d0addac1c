using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Manifests;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>
/// Store mode: a TLS Passthrough listener added to a Gateway's HTTPS port makes the port shared (its server restarts
/// with the server-name split) and its name reaches the passthrough backend; removed again, the port is HTTPS only and
/// the HTTPS name is served throughout.
/// </summary>
public sealed class MixedTlsPortStoreFeedTests
{
    private const string Https = "{name: https, port: 0, protocol: HTTPS, hostname: app.example.test, tls: {certificateRefs: [{name: app-tls}]}}";
    private const string Passthrough = "{name: tls, port: 0, protocol: TLS, hostname: db.example.test, tls: {mode: Passthrough}}";

    private static IEnumerable<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>> Read(string yaml)
    {
        var result = new ManifestReader(new ManifestReaderOptions { Validate = false }).ReadText("t.yaml", yaml);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Resources;
    }

    private static string Gateway(string listeners) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec: {gatewayClassName: switchyard, listeners: [{{listeners}}]}
        ---

        """;

    [Fact]
    public async Task StoreMode_PassthroughListenerAddedThenRemoved_PortFollows()
    {
        using var ca = new TestCertificates();
        await using var db = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => c.Response.WriteAsync("db"),
            certificate: ca.ServerCertificate("db.example.test", ["db.example.test"]));
        await using var app = await EchoBackend.StartAsync("app");
        var (secret, _) = ca.Secret("app-tls", "default", "app.example.test");
        await using var store = new InMemoryResourceStore();
        foreach (var o in Read(Manifests.GatewayClass + Gateway(Https) + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: app, namespace: default}
            spec: {parentRefs: [{name: edge}], rules: [{backendRefs: [{name: app, port: 80}]}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: db, namespace: default}
            spec: {parentRefs: [{name: edge}], hostnames: [db.example.test], rules: [{backendRefs: [{name: db, port: 80}]}]}
            ---

            """ + secret + Manifests.Service("app", app.Port) + Manifests.Service("db", db.Port)))
        {
            Assert.True((await store.CreateAsync(o)).Ok);
        }
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        using var client = ca.Client(IPAddress.Loopback, _ => { });
        Assert.StartsWith("app", await client.GetStringAsync($"https://app.example.test:{Manifests.Port(proxy)}/"), StringComparison.Ordinal);
        // The HTTPS listener's certificate does not name db: the client refuses it.
        await Assert.ThrowsAsync<HttpRequestException>(() => Fresh(ca, $"https://db.example.test:{Manifests.Port(proxy)}/"));

        Assert.True((await store.UpdateAsync(Read(Gateway($"{Https}, {Passthrough}")).Single())).Ok);
        await Wait.UntilAsync(async () => await Answers(ca, proxy, "db.example.test") == "db", "the passthrough name to reach its backend");
        Assert.StartsWith("app", await Fresh(ca, $"https://app.example.test:{Manifests.Port(proxy)}/"), StringComparison.Ordinal);

        Assert.True((await store.UpdateAsync(Read(Gateway(Https)).Single())).Ok);
        await Wait.UntilAsync(async () => await Answers(ca, proxy, "db.example.test") is null
            && await Answers(ca, proxy, "app.example.test") is { } body && body.StartsWith("app", StringComparison.Ordinal),
            "the port to serve HTTPS only again");
    }

    /// <summary>A GET on a new connection.</summary>
    private static async Task<string> Fresh(TestCertificates ca, string url)
    {
        using var client = ca.Client(IPAddress.Loopback, _ => { });
        return await client.GetStringAsync(url);
    }

    /// <summary>
    /// The body a new connection to https://HOST/ gets, or null when the request fails (refused certificate, closed
    /// connection) or the port is not bound (its server restarting: the port changes, as it was configured 0).
    /// </summary>
    private static async Task<string?> Answers(TestCertificates ca, GatewayProxy proxy, string host)
    {
        if (proxy.Listeners.Values.FirstOrDefault() is not { } bound) return null;
        try
        {
            return await Fresh(ca, $"https://{host}:{bound.Port}/");
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
