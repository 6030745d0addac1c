using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.Config;

/// <summary>Store mode with a GRPCRoute: status written back to the store, the listener counting it, and a change it cannot serve refused while the last accepted version keeps serving.</summary>
public sealed class GrpcStoreFeedTests
{
    private static string Route(string backend, string filters = "") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: g, namespace: default}
        spec:
          parentRefs: [{name: web}]
          rules: [{backendRefs: [{name: {{backend}}, port: 80}]{{filters}}}]
        """;

    private static async Task<GRPCRouteStatus> StatusOfGenerationAsync(InMemoryResourceStore store, long generation)
    {
        for (var i = 0; i < 400; i++) // up to 20 s, as Wait.UntilAsync
        {
            var route = (GRPCRoute?)await store.GetAsync(new ObjectRef(ResourceKinds.GRPCRoute, "default", "g"));
            if (route?.Status?.Parents?.FirstOrDefault()?.Conditions?.Any(c => c.Type == "ResolvedRefs" && c.ObservedGeneration == generation) == true) return route.Status; // by ResolvedRefs: Accepted may keep a fallen-back-to generation
            await Task.Delay(50);
        }
        Assert.Fail($"no status for generation {generation}");
        return null!;
    }

    private static async Task<string?> BackendAsync(HttpClient client, int port)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/svc.Api/Do")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        using var response = await client.SendAsync(request);
        return response.Headers.TryGetValues("x-backend", out var v) ? v.Single() : null;
    }

    [Fact]
    public async Task StoreMode_GrpcRoute_StatusWrittenBack_RefusedChangeKeepsLastAcceptedServing()
    {
        await using var one = await KestrelBackend.StartAsync(HttpProtocols.Http2, c => { c.Response.Headers["x-backend"] = "one"; return Task.CompletedTask; });
        await using var two = await KestrelBackend.StartAsync(HttpProtocols.Http2, c => { c.Response.Headers["x-backend"] = "two"; return Task.CompletedTask; });
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
        var port = Manifests.Port(proxy);
        using var client = Manifests.Client();

        var first = await StatusOfGenerationAsync(store, 1);
        var firstAccepted = first.Parents!.Single().Conditions!.Single(c => c.Type == "Accepted");
        Assert.Equal(("True", "Accepted"), (firstAccepted.Status, firstAccepted.Reason));
        Assert.Equal("switchyard.dev/gateway-controller", first.Parents!.Single().ControllerName);
        var gateway = (Gateway?)await store.GetAsync(new ObjectRef(ResourceKinds.Gateway, "default", "web"));
        Assert.Equal(1, gateway!.Status!.Listeners!.Single().AttachedRoutes);
        Assert.Equal("one", await BackendAsync(client, port));

        Assert.True((await store.UpdateAsync(Manifests.Read(Route("two", ", filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: a}}]")).Single())).Ok);
        var conditions = (await StatusOfGenerationAsync(store, 2)).Parents!.Single().Conditions!;
        var accepted = conditions.Single(c => c.Type == "Accepted");
        Assert.Equal(("True", 1L), (accepted.Status, accepted.ObservedGeneration)); // Gateway API's "Fall Back"
        var refused = conditions.Single(c => c.Type == "PartiallyInvalid");
        Assert.Equal(("True", "UnsupportedValue"), (refused.Status, refused.Reason));
        Assert.StartsWith("Fall Back: rule 0: filter ExtensionRef to example.com/Auth a is not supported on a GRPCRoute", refused.Message, StringComparison.Ordinal);
        Assert.Contains("still serving generation 1", refused.Message, StringComparison.Ordinal);
        for (var i = 0; i < 5; i++) Assert.Equal("one", await BackendAsync(client, port));
    }
}
