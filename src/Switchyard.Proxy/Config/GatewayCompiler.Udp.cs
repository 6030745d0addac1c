using Switchyard.Model.Gateway;
using Switchyard.Proxy.UdpRoutes;

namespace Switchyard.Proxy.Config;

/// <summary>
/// UDPRoutes: compiled as TCPRoutes are (see GatewayCompiler.L4.cs): the one rule becomes a <see cref="UdpRouteTarget"/>
/// that serves every client of the UDP ports the route is the oldest on. More than one rule could never be reached
/// (nothing tells a port's datagrams apart): such a route is refused. A broken backendRef keeps its weight, so its
/// share of new clients is dropped; a rule without backendRefs drops every datagram, and ResolvedRefs says so.
/// </summary>
internal sealed partial class GatewayCompiler
{
    private PreparedRoute PrepareUdp(UDPRoute route)
    {
        var rule = CompileConnectionRule(UdpRouteKind, route, route.Spec.Rules, r => r.Name, r => r.BackendRefs, client: null);
        return new(UdpRouteKind, route, route.Spec.ParentRefs, route.Status?.Parents, route, null, [], rule.Errors, rule.RefErrors, _ => [], null)
        {
            UdpTarget = rule.Errors.Count == 0 ? new UdpRouteTarget(rule.Name, rule.Backends) : null,
        };
    }
}
