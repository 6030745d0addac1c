using k8s.Models;
using Switchyard.Model.Gateway;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>Reading the statuses a proxy compiled (<see cref="GatewayProxy.Statuses"/>) in the route tests.</summary>
internal static class StatusReads
{
    /// <summary>A condition's status and reason, for one assertion on both.</summary>
    public static (string, string) Pair(V1Condition c) => (c.Status, c.Reason);

    /// <summary>The compiled status of the Gateway named <paramref name="name"/>.</summary>
    public static GatewayStatus GatewayStatusOf(GatewayProxy proxy, string name) =>
        (GatewayStatus)proxy.Statuses.Single(s => s.Object is Gateway g && g.Metadata.Name == name).Status;
}
