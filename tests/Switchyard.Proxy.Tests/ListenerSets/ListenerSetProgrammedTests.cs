using System.Net;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ListenerSets;

/// <summary>
/// A ListenerSet whose every listener is distinct but none can serve (its only HTTPS listener has no usable
/// certificate): Accepted (GEP-1713: accepted by its parent), but not Programmed, as a Gateway none of whose listeners
/// can serve is not.
/// </summary>
public sealed class ListenerSetProgrammedTests
{
    private static readonly IPAddress Edge = IPAddress.Parse("127.0.0.76");

    [Fact]
    public async Task Status_NoListenerCanServe_AcceptedButNotProgrammed()
    {
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Edge, listener: "{name: http, port: 0, protocol: HTTP}", allowListenerSets: true) + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: certless, namespace: default}
            spec:
              parentRef: {name: edge}
              listeners:
              - {name: https, port: 18543, protocol: HTTPS, hostname: a.example.test, tls: {certificateRefs: [{name: missing}]}}
            ---

            """);

        var status = (ListenerSetStatus)proxy.Statuses.Single(s => s.Object is ListenerSet).Status;

        Assert.Equal(("True", "Accepted"), Pair(status.Conditions!, "Accepted"));
        Assert.Equal(("False", "Invalid"), Pair(status.Conditions!, "Programmed"));
        Assert.Equal("no listener can serve: https: no usable certificate", status.Conditions!.Single(c => c.Type == "Programmed").Message);
        Assert.Equal(("False", "Invalid"), Pair(status.Listeners!.Single().Conditions!, "Programmed"));
    }

    private static (string, string) Pair(IList<V1Condition> conditions, string type)
    {
        var c = conditions.Single(c => c.Type == type);
        return (c.Status, c.Reason);
    }
}
