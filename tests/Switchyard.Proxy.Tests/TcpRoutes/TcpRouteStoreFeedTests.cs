using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.TcpRoutes;

/// <summary>
/// Store mode with TCPRoutes: a TCP listener without a route closes connections; a route created while the gateway
/// runs starts serving the port, its status and the listener's are written back; a route changed to another backend
/// sends new connections there while a connection opened before keeps talking to the old one, half-close included.
/// </summary>
public sealed class TcpRouteStoreFeedTests
{
    private static TCPRoute Route(string service) => (TCPRoute)Manifests.Read($$"""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata: {name: db, namespace: default}
        spec:
          parentRefs: [{name: edge, sectionName: db}]
          rules: [{backendRefs: [{name: {{service}}, port: 80}]}]
        """).Single();

    [Fact]
    public async Task StoreMode_RouteCreatedThenChanged_NewConnectionsFollow_OpenOnesKeepTheirBackend()
    {
        await using var a = new TcpEchoBackend("a");
        await using var b = new TcpEchoBackend("b");
        await using var store = new InMemoryResourceStore();
        foreach (var o in Manifests.Read(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec: {gatewayClassName: switchyard, listeners: [{name: db, port: 0, protocol: TCP}]}
            ---

            """ + Manifests.Service("svc-a", a.Port) + Manifests.Service("svc-b", b.Port)))
        {
            Assert.True((await store.CreateAsync(o)).Ok);
        }
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        var gateway = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Manifests.Port(proxy));
        using (var unrouted = await TcpClientConnection.OpenAsync(gateway))
        {
            Assert.True(await unrouted.ReadToEndAsync());
            Assert.Equal("", unrouted.Received);
        }
        Assert.Equal(1, proxy.Runtime.Metrics.TcpConnectionCount("", "no_route"));

        Assert.True((await store.CreateAsync(Route("svc-a"))).Ok);
        await Wait.UntilAsync(async () =>
        {
            var stored = (TCPRoute?)await store.GetAsync(new ObjectRef(ResourceKinds.TCPRoute, "default", "db"));
            return stored?.Status?.Parents?.SingleOrDefault()?.Conditions?.Any(c => c.Type == "Accepted" && c.Status == "True") == true;
        }, "the TCPRoute's status to say Accepted");
        using var kept = await TcpClientConnection.OpenAsync(gateway);
        Assert.Equal("a\n", await kept.ReadUntilAsync("\n"));
        var listener = ((Gateway?)await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "edge")))!.Status!.Listeners!.Single();
        Assert.Equal((1, "TCPRoute"), (listener.AttachedRoutes, listener.SupportedKinds!.Single().Kind));

        var changed = Route("svc-b");
        changed.Metadata.ResourceVersion = ""; // unconditional
        Assert.True((await store.UpdateAsync(changed)).Ok);
        await Wait.UntilAsync(async () =>
        {
            using var fresh = await TcpClientConnection.OpenAsync(gateway);
            return await fresh.ReadUntilAsync("\n") == "b\n";
        }, "new connections to reach backend b");

        await kept.SendAsync("still a?");
        Assert.Equal("a\nstill a?", await kept.ReadUntilAsync("still a?"));
        kept.EndSending();
        Assert.True(await kept.ReadToEndAsync());
        Assert.Equal("a\nstill a?bye from a\n", kept.Received);
    }
}
