using System.Net;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ListenerSets;

/// <summary>
/// TLSRoutes and a conflicted ListenerSet listener, over real sockets: a ListenerSet TLS listener that conflicts with
/// the Gateway's (same port, no hostname) serves nothing, so a TLSRoute attached through it must not take a server
/// name from a route attached to the Gateway's listener, however old it is.
/// </summary>
public sealed class ListenerSetTlsRouteTests
{
    private static readonly IPAddress Edge = IPAddress.Parse("127.0.0.77");

    [Fact]
    public async Task ConflictedListenerSetListener_OlderRouteThroughIt_DoesNotTakeTheServerName()
    {
        var ca = new TestCertificates();
        await using var owner = await KestrelBackend.StartAsync(HttpProtocols.Http1, c => c.Response.WriteAsync("owner"),
            certificate: ca.ServerCertificate("db.example.test", ["db.example.test"]));
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("pass", Edge, listener: "{name: tls, port: 18643, protocol: TLS, tls: {mode: Passthrough}}", allowListenerSets: true) + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: tenant, namespace: default}
            spec:
              parentRef: {name: pass}
              listeners: [{name: tls, port: 18643, protocol: TLS, tls: {mode: Passthrough}}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: through-set, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec:
              parentRefs: [{kind: ListenerSet, name: tenant}]
              hostnames: [db.example.test, only.example.test]
              rules: [{backendRefs: [{name: other, port: 80}]}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: TLSRoute
            metadata: {name: on-gateway, namespace: default, creationTimestamp: "2026-02-01T00:00:00Z"}
            spec:
              parentRefs: [{name: pass}]
              hostnames: [db.example.test]
              rules: [{backendRefs: [{name: owner, port: 80}]}]
            ---

            """ + Manifests.Service("owner", owner.Port) + Manifests.Service("other", owner.Port + 1));
        using var client = ca.Client(Edge, _ => { });

        using var response = await client.GetAsync("https://db.example.test:18643/");

        Assert.Equal("owner", await response.Content.ReadAsStringAsync());
        var set = (ListenerSetStatus)proxy.Statuses.Single(s => s.Object is ListenerSet).Status;
        Assert.Contains(set.Listeners!.Single().Conditions!, c => c is { Type: "Conflicted", Status: "True" });
        Assert.Equal(1, set.Listeners!.Single().AttachedRoutes); // attached and counted, as Gateway API asks, though not served
        var route = ((TLSRouteStatus)proxy.Statuses.Single(s => s.Object is TLSRoute && s.Object.Metadata.Name == "on-gateway").Status).Parents!.Single();
        Assert.Contains(route.Conditions!, c => c is { Type: "Accepted", Status: "True" });
        var through = ((TLSRouteStatus)proxy.Statuses.Single(s => s.Object is TLSRoute && s.Object.Metadata.Name == "through-set").Status).Parents!.Single();
        Assert.Contains(through.Conditions!, c => c is { Type: "Accepted", Status: "True" });
    }
}
