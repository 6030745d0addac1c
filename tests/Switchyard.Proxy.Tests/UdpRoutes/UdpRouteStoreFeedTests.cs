using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.UdpRoutes;

/// <summary>
/// Store mode with UDPRoutes: a UDP listener without a route drops datagrams (counted); a route created while the
/// gateway runs starts serving the port, and its status is written back; a route changed to another backend sends new
/// clients there, and ends the session of a client whose endpoint left the route, whose next datagram then goes to the
/// new backend; an endpoint that stops being ready ends the sessions it had, and new clients find no endpoint.
/// </summary>
public sealed class UdpRouteStoreFeedTests
{
    private static UDPRoute Route(string service) => (UDPRoute)Manifests.Read($$"""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: UDPRoute
        metadata: {name: dns, namespace: default}
        spec:
          parentRefs: [{name: edge, sectionName: dns}]
          rules: [{backendRefs: [{name: {{service}}, port: 80}]}]
        """).Single();

    [Fact]
    public async Task StoreMode_RouteCreatedThenChanged_NewClientsFollow_SessionsToRemovedEndpointsEnd()
    {
        await using var a = new UdpEchoBackend("a");
        await using var b = new UdpEchoBackend("b");
        await using var store = new InMemoryResourceStore();
        foreach (var o in Manifests.Read(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec: {gatewayClassName: switchyard, listeners: [{name: dns, port: 0, protocol: UDP}]}
            ---

            """ + Manifests.Service("svc-a", a.Port) + Manifests.Service("svc-b", b.Port)))
        {
            Assert.True((await store.CreateAsync(o)).Ok);
        }
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        var metrics = proxy.Runtime.Metrics;
        var gateway = new IPEndPoint(IPAddress.Loopback, proxy.UdpListeners[new IPEndPoint(IPAddress.Loopback, 0)].Port);
        using (var unrouted = new UdpTestClient(gateway))
        {
            await unrouted.SendAsync("anyone?");
            await Wait.UntilAsync(() => metrics.UdpDroppedCount("", "no_route") == 1, "the datagram without a route to be dropped");
        }

        Assert.True((await store.CreateAsync(Route("svc-a"))).Ok);
        await Wait.UntilAsync(async () =>
        {
            var stored = (UDPRoute?)await store.GetAsync(new ObjectRef(ResourceKinds.UDPRoute, "default", "dns"));
            return stored?.Status?.Parents?.SingleOrDefault()?.Conditions?.Any(c => c.Type == "Accepted" && c.Status == "True") == true;
        }, "the UDPRoute's status to say Accepted");
        using var kept = new UdpTestClient(gateway);
        Assert.Equal("a:first", await kept.AskAsync("first"));
        var listener = ((Gateway?)await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "edge")))!.Status!.Listeners!.Single();
        Assert.Equal((1, "UDPRoute"), (listener.AttachedRoutes, listener.SupportedKinds!.Single().Kind));

        var changed = Route("svc-b");
        changed.Metadata.ResourceVersion = ""; // unconditional
        Assert.True((await store.UpdateAsync(changed)).Ok);
        await Wait.UntilAsync(() => metrics.UdpSessionCount("udproute default/dns rule 0", "endpoint_removed") == 1, "the session to svc-a's endpoint to end");
        using (var fresh = new UdpTestClient(gateway))
        {
            Assert.Equal("b:new client", await fresh.AskAsync("new client"));
        }

        Assert.Equal("b:second", await kept.AskAsync("second"));
        Assert.Equal(1, a.Datagrams);
    }

    [Fact]
    public async Task StoreMode_EndpointNoLongerReady_ItsSessionEnds_NewDatagramsDropped()
    {
        await using var a = new UdpEchoBackend("a");
        await using var store = new InMemoryResourceStore();
        var objects = Manifests.Read(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec: {gatewayClassName: switchyard, listeners: [{name: dns, port: 0, protocol: UDP}]}
            ---

            """ + Manifests.Service("svc-a", a.Port));
        objects.Add(Route("svc-a"));
        foreach (var o in objects) Assert.True((await store.CreateAsync(o)).Ok);
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        var metrics = proxy.Runtime.Metrics;
        var gateway = new IPEndPoint(IPAddress.Loopback, proxy.UdpListeners[new IPEndPoint(IPAddress.Loopback, 0)].Port);
        using var client = new UdpTestClient(gateway);
        Assert.Equal("a:up", await client.AskAsync("up"));

        var slice = objects.OfType<k8s.Models.V1EndpointSlice>().Single();
        slice.Endpoints[0].Conditions = new k8s.Models.V1EndpointConditions { Ready = false };
        slice.Metadata.ResourceVersion = ""; // unconditional
        Assert.True((await store.UpdateAsync(slice)).Ok);

        const string route = "udproute default/dns rule 0";
        await Wait.UntilAsync(() => metrics.UdpSessionCount(route, "endpoint_removed") == 1, "the session to the endpoint no longer ready to end");
        await client.SendAsync("still there?");
        await Wait.UntilAsync(() => metrics.UdpDroppedCount(route, "no_endpoint") == 1, "the next datagram to find no endpoint");
        Assert.Equal(1, a.Datagrams);
    }
}
