using System.Net;
using System.Net.Sockets;
using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.ListenerSets;

/// <summary>
/// Store mode with ListenerSets: a ListenerSet created while the gateway runs opens its port and its status (and the
/// Gateway's attachedListenerSets) is written back; a newer ListenerSet conflicting with it stays unserved until the
/// older one is deleted, then takes the port over; deleting the last one closes the port. The Gateway's own listener
/// serves throughout.
/// </summary>
public sealed class ListenerSetStoreFeedTests
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.75");

    private static string ListenerSet(string name, string backend) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: {{name}}, namespace: default}
        spec:
          parentRef: {name: edge}
          listeners: [{name: http, port: 18191, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{name}}, namespace: default}
        spec:
          parentRefs: [{kind: ListenerSet, name: {{name}}}]
          rules: [{backendRefs: [{name: {{backend}}, port: 80}]}]
        """;

    [Fact]
    public async Task StoreMode_ListenerSetsComeAndGo_PortsStatusAndConflictsFollow()
    {
        await using var gw = await EchoBackend.StartAsync("gw");
        await using var first = await EchoBackend.StartAsync("first");
        await using var second = await EchoBackend.StartAsync("second");
        await using var store = new InMemoryResourceStore();
        foreach (var o in Manifests.Read(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Address, listener: "{name: http, port: 18190, protocol: HTTP}", allowListenerSets: true)
            + GatewayYaml.HttpRoute("gw", "gw", "edge") + Manifests.Service("gw", gw.Port) + Manifests.Service("first", first.Port) + Manifests.Service("second", second.Port)))
        {
            Assert.True((await store.CreateAsync(o)).Ok);
        }
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        using var client = Manifests.Client();
        Assert.Equal("gw", await BackendAsync(client, 18190));
        Assert.Null(await BackendAsync(client, 18191));

        foreach (var o in Manifests.Read(ListenerSet("first", "first"))) Assert.True((await store.CreateAsync(o)).Ok);
        await Wait.UntilAsync(async () => await SetConditionAsync(store, "first") == "True/Accepted", "ListenerSet first to be Accepted in the store");
        await Wait.UntilAsync(async () => await BackendAsync(client, 18191) == "first", "the ListenerSet's port to serve its route");
        Assert.Equal(1, (await GatewayAsync(store)).Status!.AttachedListenerSets);

        // A second ListenerSet for the same port and hostname is newer: conflicted, not served.
        await Task.Delay(1100); // creation timestamps have whole seconds
        foreach (var o in Manifests.Read(ListenerSet("second", "second"))) Assert.True((await store.CreateAsync(o)).Ok);
        await Wait.UntilAsync(async () => await SetConditionAsync(store, "second") == "False/ListenersNotValid", "ListenerSet second to be refused");
        var conflicted = (await SetAsync(store, "second")).Status!.Listeners!.Single().Conditions!.Single(c => c.Type == "Conflicted");
        Assert.Equal(("True", "HostnameConflict"), (conflicted.Status, conflicted.Reason));
        Assert.Equal("first", await BackendAsync(client, 18191));

        // Deleting the older one hands the port to the newer one; the Gateway's own listener serves throughout.
        Assert.True((await store.DeleteAsync(new ObjectRef(ResourceKinds.ListenerSet, "default", "first"))).Ok);
        await Wait.UntilAsync(async () => await BackendAsync(client, 18191) == "second", "ListenerSet second to take the port over");
        await Wait.UntilAsync(async () => await SetConditionAsync(store, "second") == "True/Accepted", "ListenerSet second to be Accepted");
        Assert.Equal("gw", await BackendAsync(client, 18190));

        Assert.True((await store.DeleteAsync(new ObjectRef(ResourceKinds.ListenerSet, "default", "second"))).Ok);
        await Wait.UntilAsync(async () => await BackendAsync(client, 18191) is null, "the port to close when its last ListenerSet is deleted");
        await Wait.UntilAsync(async () => (await GatewayAsync(store)).Status!.AttachedListenerSets == 0, "the Gateway to count no ListenerSet");
        Assert.Equal("gw", await BackendAsync(client, 18190));
    }

    /// <summary>The x-backend of GET / on <paramref name="port"/>; null when nothing listens there.</summary>
    private static async Task<string?> BackendAsync(HttpClient client, int port)
    {
        try
        {
            using var response = await client.GetAsync($"http://{Address}:{port}/");
            return response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : $"status {(int)response.StatusCode}";
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return null;
        }
    }

    private static async Task<ListenerSet> SetAsync(InMemoryResourceStore store, string name) =>
        (ListenerSet)(await store.GetAsync(new ObjectRef(ResourceKinds.ListenerSet, "default", name)))!;

    private static async Task<string?> SetConditionAsync(InMemoryResourceStore store, string name) =>
        (await SetAsync(store, name)).Status?.Conditions?.Where(c => c.Type == "Accepted").Select(c => $"{c.Status}/{c.Reason}").SingleOrDefault();

    private static async Task<Gateway> GatewayAsync(InMemoryResourceStore store) =>
        (Gateway)(await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "edge")))!;
}
