using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ListenerSets;

/// <summary>
/// TCPRoutes and ListenerSet TCP listeners, over real sockets: a ListenerSet listener on the Gateway's TCP port is
/// conflicted and serves nothing, so an older TCPRoute attached through it must not take the port from the route on the
/// Gateway's listener; a ListenerSet listener on a port of its own serves its route.
/// </summary>
public sealed class ListenerSetTcpRouteTests
{
    private static readonly IPAddress Edge = IPAddress.Parse("127.0.0.82");

    private static string Route(string name, string parent, string created, string service) => $$"""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata: {name: {{name}}, namespace: default, creationTimestamp: "{{created}}"}
        spec:
          parentRefs: [{{parent}}]
          rules: [{backendRefs: [{name: {{service}}, port: 80}]}]
        ---

        """;

    [Fact]
    public async Task ConflictedListenerSetListener_OlderRouteThroughIt_DoesNotTakeThePort_AListenerOfItsOwnServes()
    {
        await using var owner = new TcpEchoBackend("owner");
        await using var tenant = new TcpEchoBackend("tenant");
        var extraPort = HaProxy.FreePort(Edge);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Edge, listener: "{name: tcp, port: 0, protocol: TCP}", allowListenerSets: true) + $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: tenant, namespace: default}
            spec:
              parentRef: {name: edge}
              listeners: [{name: tcp, port: 0, protocol: TCP}, {name: extra, port: {{extraPort}}, protocol: TCP}]
            ---

            """
            + Route("through-set", "{kind: ListenerSet, name: tenant, sectionName: tcp}", "2026-01-01T00:00:00Z", "tenant")
            + Route("on-gateway", "{name: edge}", "2026-02-01T00:00:00Z", "owner")
            + Route("extra", "{kind: ListenerSet, name: tenant, sectionName: extra}", "2026-03-01T00:00:00Z", "tenant")
            + Manifests.Service("owner", owner.Port) + Manifests.Service("tenant", tenant.Port));

        using (var client = await TcpClientConnection.OpenAsync(new IPEndPoint(Edge, proxy.Listeners[new IPEndPoint(Edge, 0)].Port)))
        {
            Assert.Equal("owner\n", await client.ReadUntilAsync("\n"));
        }
        using (var client = await TcpClientConnection.OpenAsync(new IPEndPoint(Edge, extraPort)))
        {
            Assert.Equal("tenant\n", await client.ReadUntilAsync("\n"));
        }

        var set = (ListenerSetStatus)proxy.Statuses.Single(s => s.Object is ListenerSet).Status;
        var conflicted = set.Listeners!.Single(l => l.Name == "tcp");
        Assert.Contains(conflicted.Conditions!, c => c is { Type: "Conflicted", Status: "True" });
        Assert.Equal(1, conflicted.AttachedRoutes); // attached and counted, as Gateway API asks, though not served
        var extra = set.Listeners!.Single(l => l.Name == "extra");
        Assert.Equal((1, "TCPRoute"), (extra.AttachedRoutes, extra.SupportedKinds!.Single().Kind));
        foreach (var name in (string[])["through-set", "on-gateway", "extra"])
        {
            var parent = ((TCPRouteStatus)proxy.Statuses.Single(s => s.Object is TCPRoute && s.Object.Metadata.Name == name).Status).Parents!.Single();
            Assert.Contains(parent.Conditions!, c => c is { Type: "Accepted", Status: "True" });
        }
    }
}
