using Switchyard.Model.Gateway;
using Switchyard.Model.Manifests;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.Config;

/// <summary>Store mode: the proxy follows changes live and writes Gateway and HTTPRoute status back.</summary>
public sealed class StoreFeedTests
{
    private static string Route(string backend) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: default}
        spec:
          parentRefs: [{name: web}]
          rules: [{backendRefs: [{name: {{backend}}, port: 80}]}]
        """;

    private static IEnumerable<k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>> Read(string yaml)
    {
        var result = new ManifestReader(new ManifestReaderOptions { Validate = false }).ReadText("t.yaml", yaml);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return result.Resources;
    }

    private static async Task<string?> BackendAsync(HttpClient client, int port)
    {
        using var response = await client.SendAsync(Manifests.Request(port, "a.test", "GET", "/"));
        return response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : null;
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
        foreach (var o in Read(yaml)) Assert.True((await store.CreateAsync(o)).Ok);

        await using var proxy = GatewayProxy.FromStore(new ProxyOptions(), store);
        await proxy.StartAsync(CancellationToken.None);
        using var client = Manifests.Client();
        var port = Manifests.Port(proxy);
        Assert.Equal("one", await BackendAsync(client, port));

        var route = Read(Route("two")).Single();
        Assert.True((await store.UpdateAsync(route)).Ok);
        var served = "";
        for (var i = 0; i < 100 && served != "two"; i++)
        {
            await Task.Delay(50);
            served = await BackendAsync(client, port);
        }
        Assert.Equal("two", served);

        HTTPRouteStatus? status = null;
        for (var i = 0; i < 100 && status?.Parents is not { Count: > 0 }; i++)
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
}
