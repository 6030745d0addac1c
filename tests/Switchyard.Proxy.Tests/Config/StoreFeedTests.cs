using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.Config;

/// <summary>Store mode: the proxy follows changes live and writes Gateway and HTTPRoute status back.</summary>
public sealed class StoreFeedTests
{
    private static string Route(string backend, string filters = "") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: default}
        spec:
          parentRefs: [{name: web}]
          rules: [{backendRefs: [{name: {{backend}}, port: 80}]{{filters}}}]
        """;

    private static string Setup(params EchoBackend[] backends) => Manifests.GatewayClass + """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: web, namespace: default}
        spec: {gatewayClassName: switchyard, listeners: [{name: http, port: 0, protocol: HTTP}]}
        ---

        """ + string.Concat(backends.Select(b => Manifests.Service(b.Name, b.Port)));

    private static async Task<InMemoryResourceStore> StoreWithAsync(string yaml)
    {
        var store = new InMemoryResourceStore();
        foreach (var o in Manifests.Read(yaml)) Assert.True((await store.CreateAsync(o)).Ok);
        return store;
    }

    private static async Task UpdateRouteAsync(InMemoryResourceStore store, string yaml)
    {
        var route = Manifests.Read(yaml).Single();
        Assert.True((await store.UpdateAsync(route)).Ok); // no resourceVersion: an unconditional update
    }

    private static async Task<HTTPRouteStatus?> StatusOfGenerationAsync(InMemoryResourceStore store, long generation)
    {
        for (var i = 0; i < 400; i++) // up to 20 s, as Wait.UntilAsync
        {
            var route = (HTTPRoute?)await store.GetAsync(new ObjectRef(ResourceKinds.HTTPRoute, "default", "r"));
            if (route?.Status?.Parents?.FirstOrDefault()?.Conditions?.Any(c => c.Type == "ResolvedRefs" && c.ObservedGeneration == generation) == true) return route.Status; // by ResolvedRefs: Accepted may keep a fallen-back-to generation
            await Task.Delay(50);
        }
        Assert.Fail($"no status for generation {generation}");
        return null;
    }

    private static async Task WaitServedAsync(HttpClient client, int port, string backend)
    {
        var served = "";
        for (var i = 0; i < 400 && served != backend; i++)
        {
            await Task.Delay(50);
            served = await BackendAsync(client, port);
        }
        Assert.Equal(backend, served);
    }

    private static async Task<string?> BackendAsync(HttpClient client, int port)
    {
        using var response = await client.SendAsync(Manifests.Request(port, "a.test", "GET", "/"));
        return response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : null;
    }

    [Fact]
    public async Task FromStore_GatewayMovedToAnotherClass_ItsStatusCleared()
    {
        await using var store = await StoreWithAsync(Setup());
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        var key = new ObjectRef(ResourceKinds.Gateway, "default", "web");
        await Wait.UntilAsync(async () => ((Gateway?)await store.GetAsync(key))?.Status?.Conditions?.Any(c => c.Type == "Programmed" && c.Status == "True") == true, "the Gateway programmed");

        var moved = (Gateway)(await store.GetAsync(key))!;
        moved.Spec.GatewayClassName = "someone-else";
        moved.Metadata.ResourceVersion = null;
        Assert.True((await store.UpdateAsync(moved)).Ok);

        // No Programmed=True of ours outlives the serving (another controller may write its own).
        await Wait.UntilAsync(async () => ((Gateway?)await store.GetAsync(key))?.Status?.Conditions is null or { Count: 0 }, "the Gateway's status cleared");
        Assert.Empty(proxy.Listeners);
    }

    [Fact]
    public async Task FromStore_ServedIngress_StatusNamesTheIngressAddress()
    {
        await using var site = await EchoBackend.StartAsync("site");
        await using var store = await StoreWithAsync(Manifests.IngressAllTo("site") + Manifests.Service("site", site.Port));
        var options = new ProxyOptions { IngressHttp = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) };
        await using var proxy = GatewayProxy.FromStore(options, store);
        await proxy.StartAsync(CancellationToken.None);
        var port = Manifests.Port(proxy);

        var key = new ObjectRef(ResourceKinds.Ingress, "default", "site");
        await Wait.UntilAsync(async () => ((k8s.Models.V1Ingress?)await store.GetAsync(key))?.Status?.LoadBalancer?.Ingress is { Count: > 0 }, "the Ingress status");
        var entry = Assert.Single(((k8s.Models.V1Ingress?)await store.GetAsync(key))!.Status.LoadBalancer.Ingress);
        Assert.Equal("127.0.0.1", entry.Ip);
        Assert.Equal(port, Assert.Single(entry.Ports).Port);
    }

    [Fact]
    public async Task FromStore_NoIngressAddress_AStatusLeftFromAnEarlierRunCleared()
    {
        await using var store = await StoreWithAsync(Manifests.IngressAllTo("site") + """
            apiVersion: v1
            kind: Service
            metadata: {name: site, namespace: default}
            spec: {ports: [{name: http, port: 80}]}
            """);
        var key = new ObjectRef(ResourceKinds.Ingress, "default", "site");
        var stale = (k8s.Models.V1Ingress)(await store.GetAsync(key))!;
        stale.Status = new k8s.Models.V1IngressStatus { LoadBalancer = new k8s.Models.V1IngressLoadBalancerStatus { Ingress = [new k8s.Models.V1IngressLoadBalancerIngress { Ip = "127.0.0.1", Ports = [new k8s.Models.V1IngressPortStatus { Port = 8081, Protocol = "TCP" }] }] } };
        stale.Metadata.ResourceVersion = null;
        Assert.True((await store.UpdateAsync(stale)).Ok);

        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store); // no --ingress-http: Ingresses are not served
        await proxy.StartAsync(CancellationToken.None);

        await Wait.UntilAsync(async () => ((k8s.Models.V1Ingress?)await store.GetAsync(key))?.Status?.LoadBalancer?.Ingress is null or { Count: 0 }, "the stale status cleared");
    }

    [Fact]
    public async Task FromStore_IngressNoLongerServed_ItsStatusCleared()
    {
        await using var site = await EchoBackend.StartAsync("site");
        var yaml = """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: {name: mine}
            spec: {controller: switchyard.dev/ingress-controller}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: site, namespace: default}
            spec:
              ingressClassName: mine
              rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: site, port: {number: 80}}}}]}}]
            ---

            """ + Manifests.Service("site", site.Port);
        await using var store = await StoreWithAsync(yaml);
        var options = new ProxyOptions { IngressHttp = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) };
        await using var proxy = GatewayProxy.FromStore(options, store);
        await proxy.StartAsync(CancellationToken.None);
        var key = new ObjectRef(ResourceKinds.Ingress, "default", "site");
        await Wait.UntilAsync(async () => ((k8s.Models.V1Ingress?)await store.GetAsync(key))?.Status?.LoadBalancer?.Ingress is { Count: > 0 }, "the Ingress status");

        var moved = (k8s.Models.V1IngressClass)(await store.GetAsync(new ObjectRef(ResourceKinds.IngressClass, null, "mine")))!;
        moved.Spec.Controller = "k8s.io/ingress-nginx";
        moved.Metadata.ResourceVersion = null;
        Assert.True((await store.UpdateAsync(moved)).Ok);

        await Wait.UntilAsync(async () => ((k8s.Models.V1Ingress?)await store.GetAsync(key))?.Status?.LoadBalancer?.Ingress is null or { Count: 0 }, "the Ingress status cleared");
    }

    [Fact]
    public async Task FromStore_RouteChanges_ServesNewBackendAndWritesStatus()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        await using var store = new InMemoryResourceStore();
        var yaml = Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: web, namespace: default}
            spec: {gatewayClassName: switchyard, listeners: [{name: http, port: 0, protocol: HTTP}]}
            ---

            """ + Manifests.Service("one", one.Port) + Manifests.Service("two", two.Port) + Route("one");
        foreach (var o in Manifests.Read(yaml)) Assert.True((await store.CreateAsync(o)).Ok);

        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        using var client = Manifests.Client();
        var port = Manifests.Port(proxy);
        Assert.Equal("one", await BackendAsync(client, port));

        var route = Manifests.Read(Route("two")).Single();
        Assert.True((await store.UpdateAsync(route)).Ok);
        var served = "";
        for (var i = 0; i < 400 && served != "two"; i++)
        {
            await Task.Delay(50);
            served = await BackendAsync(client, port);
        }
        Assert.Equal("two", served);

        HTTPRouteStatus? status = null;
        for (var i = 0; i < 400 && status?.Parents is not { Count: > 0 }; i++)
        {
            await Task.Delay(50);
            status = ((HTTPRoute?)await store.GetAsync(new ObjectRef(ResourceKinds.HTTPRoute, "default", "r")))?.Status;
        }
        var parent = Assert.Single(status!.Parents!);
        Assert.Equal("switchyard.dev/gateway-controller", parent.ControllerName);
        Assert.Equal(["Accepted:True:Accepted", "ResolvedRefs:True:ResolvedRefs"], parent.Conditions!.Select(c => $"{c.Type}:{c.Status}:{c.Reason}"));
        var gateway = (Gateway?)await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "web"));
        Assert.Equal("True", gateway!.Status!.Conditions!.Single(c => c.Type == "Programmed").Status);
    }

    [Fact]
    public async Task FromStore_GatewayClasses_OursAcceptedOthersLeftAlone_ParametersRefused()
    {
        await using var store = await StoreWithAsync(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: elsewhere}
            spec: {controllerName: example.com/other-controller}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: tuned}
            spec:
              controllerName: switchyard.dev/gateway-controller
              parametersRef: {group: "", kind: ConfigMap, name: tuning, namespace: default}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: tuned, namespace: default}
            spec: {gatewayClassName: tuned, listeners: [{name: http, port: 0, protocol: HTTP}]}
            """);
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);

        async Task<GatewayClass> ClassAsync(string name) => (GatewayClass)(await store.GetAsync(new ObjectRef(ResourceKinds.GatewayClass, null, name)))!;
        await Wait.UntilAsync(async () => (await ClassAsync("tuned")).Status is not null, "the tuned class's status written");
        await Wait.UntilAsync(async () => (await ClassAsync("switchyard")).Status is not null, "the switchyard class's status written");

        var accepted = Assert.Single((await ClassAsync("switchyard")).Status!.Conditions!);
        Assert.Equal(("Accepted", "True", "Accepted", 1L), (accepted.Type, accepted.Status, accepted.Reason, accepted.ObservedGeneration));
        var refused = Assert.Single((await ClassAsync("tuned")).Status!.Conditions!);
        Assert.Equal(("Accepted", "False", "InvalidParameters"), (refused.Type, refused.Status, refused.Reason));
        Assert.Null((await ClassAsync("elsewhere")).Status);
        // The refused class's Gateway is not served: no status, no listener.
        Assert.Null(((Gateway?)await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "tuned")))!.Status);
        Assert.DoesNotContain(proxy.Statuses, s => s.Object is Gateway);
    }

    [Fact]
    public async Task Reconfigure_RouteChangesWhileRequestsAreInFlight_EveryInFlightRequestCompletes()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        await using var store = await StoreWithAsync(Setup(one, two) + Route("one"));
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        var port = Manifests.Port(proxy);
        using var client = Manifests.Client();
        Assert.Equal("one", await BackendAsync(client, port));

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        one.Gate = gate.Task;
        var before = one.Requests;
        var inFlight = Enumerable.Range(0, 5).Select(_ => client.SendAsync(Manifests.Request(port, "a.test", "GET", "/"))).ToList();
        await Wait.UntilAsync(() => one.Requests == before + 5, "five requests held at backend one");

        await UpdateRouteAsync(store, Route("two"));
        // Status is written after the new snapshot is published: from then on requests go to "two" (asking earlier
        // could reach the held backend "one" and wait behind the gate).
        await StatusOfGenerationAsync(store, 2);
        Assert.Equal("two", await BackendAsync(client, port)); // the new config serves while the old requests are still held
        Assert.All(inFlight, t => Assert.False(t.IsCompleted));

        gate.SetResult();
        foreach (var response in await Task.WhenAll(inFlight))
        {
            using (response)
            {
                Assert.Equal(200, (int)response.StatusCode);
                Assert.Equal("one", response.Headers.GetValues("x-backend").Single());
            }
        }
    }

    [Fact]
    public async Task Reconfigure_RouteChangedIntoOneItCannotServe_StatusRefusesItAndTheLastAcceptedVersionKeepsServing()
    {
        await using var one = await EchoBackend.StartAsync("one");
        await using var two = await EchoBackend.StartAsync("two");
        await using var store = await StoreWithAsync(Setup(one, two) + Route("one"));
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        var port = Manifests.Port(proxy);
        using var client = Manifests.Client();
        Assert.Equal("one", await BackendAsync(client, port));

        // Valid to the API (an ExtensionRef may name any kind), but no filter this proxy knows: generation 2 is refused.
        await UpdateRouteAsync(store, Route("two", ", filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Cors, name: c}}]"));
        // Gateway API's PartiallyInvalid "Fall Back": Accepted stays True for generation 1, and the new condition says why 2 is not served.
        var refused = await StatusOfGenerationAsync(store, 2);
        var accepted = refused!.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("True", "Accepted", 1L), (accepted.Status, accepted.Reason, accepted.ObservedGeneration));
        var fallBack = refused.Parents!.Single().Conditions!.Single(c => c.Type == "PartiallyInvalid");
        Assert.Equal(("True", "UnsupportedValue", 2L), (fallBack.Status, fallBack.Reason, fallBack.ObservedGeneration));
        Assert.StartsWith("Fall Back: rule 0: filter ExtensionRef to example.com/Cors c is not supported", fallBack.Message, StringComparison.Ordinal);
        Assert.EndsWith("still serving generation 1, the last accepted", fallBack.Message, StringComparison.Ordinal);
        for (var i = 0; i < 5; i++) Assert.Equal("one", await BackendAsync(client, port));

        await UpdateRouteAsync(store, Route("two"));
        await WaitServedAsync(client, port, "two");
        var fixedStatus = await StatusOfGenerationAsync(store, 3);
        Assert.Equal("True", fixedStatus!.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted").Status);
    }
}
