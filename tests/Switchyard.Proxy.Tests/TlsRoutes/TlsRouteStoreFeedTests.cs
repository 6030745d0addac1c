using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.TlsRoutes;

/// <summary>
/// Store mode with TLSRoutes: a route created while the gateway runs starts routing its server name on the same
/// socket, its status is written back, and deleting it makes the name unknown again.
/// </summary>
public sealed class TlsRouteStoreFeedTests
{

    [Fact]
    public async Task StoreMode_RouteCreatedThenDeleted_RoutingAndStatusFollow()
    {
        using var ca = new TestCertificates();
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => c.Response.WriteAsync("vault"),
            certificate: ca.ServerCertificate("vault.example.test", ["vault.example.test"]));
        await using var store = new InMemoryResourceStore();
        foreach (var o in Manifests.Read(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec: {gatewayClassName: switchyard, listeners: [{name: tls, port: 0, protocol: TLS, tls: {mode: Passthrough}}]}
            ---

            """ + Manifests.Service("vault", backend.Port)))
        {
            Assert.True((await store.CreateAsync(o)).Ok);
        }
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        var port = Manifests.Port(proxy);
        using var client = ca.Client(IPAddress.Loopback, _ => { });
        var url = $"https://vault.example.test:{port}/";
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync(url));

        var route = Manifests.Read("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: vault, namespace: default}
            spec:
              parentRefs: [{name: edge}]
              hostnames: [vault.example.test]
              rules: [{backendRefs: [{name: vault, port: 80}]}]
            """).Single();
        Assert.True((await store.CreateAsync(route)).Ok);
        await Wait.UntilAsync(async () =>
        {
            var stored = (TLSRoute?)await store.GetAsync(new ObjectRef(ResourceKinds.TLSRoute, "default", "vault"));
            return stored?.Status?.Parents?.SingleOrDefault()?.Conditions?.Any(c => c.Type == "Accepted" && c.Status == "True") == true;
        }, "the TLSRoute's status to say Accepted");
        Assert.Equal("vault", await client.GetStringAsync(url));
        var gateway = (Gateway?)await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "edge"));
        Assert.Equal(1, gateway!.Status!.Listeners!.Single().AttachedRoutes);

        Assert.True((await store.DeleteAsync(new ObjectRef(ResourceKinds.TLSRoute, "default", "vault"))).Ok);
        await Wait.UntilAsync(async () =>
        {
            using var fresh = ca.Client(IPAddress.Loopback, _ => { });
            try
            {
                await fresh.GetStringAsync(url);
                return false;
            }
            catch (HttpRequestException)
            {
                return true;
            }
        }, "the deleted route's name to be refused");
    }
}
