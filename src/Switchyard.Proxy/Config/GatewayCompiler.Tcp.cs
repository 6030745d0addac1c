using Switchyard.Model.Gateway;
using Switchyard.Proxy.TcpRoutes;

namespace Switchyard.Proxy.Config;

/// <summary>
/// TCPRoutes: the one rule (see GatewayCompiler.L4.cs) becomes a <see cref="TcpRouteTarget"/> that serves every
/// connection of the TCP ports the route is the oldest on. More than one rule could never be reached (nothing tells a
/// port's connections apart): such a route is refused, as Envoy Gateway does. The bytes go to endpoints as the client
/// sent them: no BackendTLSPolicy applies.
/// </summary>
internal sealed partial class GatewayCompiler
{
    private PreparedRoute PrepareTcp(TCPRoute route)
    {
        var rule = CompileConnectionRule(TcpRouteKind, route, route.Spec.Rules, r => r.Name, r => r.BackendRefs, client: null);
        return new(TcpRouteKind, route, route.Spec.ParentRefs, route.Status?.Parents, route, null, [], rule.Errors, rule.RefErrors, _ => [], null)
        {
            TcpTarget = rule.Errors.Count == 0 ? new TcpRouteTarget(rule.Name, rule.Backends) : null,
        };
    }
}
