using Switchyard.Model.Gateway;
using Switchyard.Proxy.TlsRoutes;

namespace Switchyard.Proxy.Config;

/// <summary>
/// TLSRoutes: the one rule (see GatewayCompiler.L4.cs) becomes a <see cref="TlsRouteTarget"/> that TLS listeners route
/// to by server name.
/// </summary>
internal sealed partial class GatewayCompiler
{
    private PreparedRoute PrepareTls(TLSRoute route)
    {
        // Terminate mode with a BackendTLSPolicy: the gateway presents its client certificate (that of the parent Gateways, when they agree).
        var client = BaseClient(route);
        var rule = CompileConnectionRule(TlsRouteKind, route, route.Spec.Rules, r => r.Name, r => r.BackendRefs, client);
        if (route.Spec.Hostnames is not { Count: > 0 }) rule.Errors.Insert(0, "a TLSRoute names at least one hostname");
        return new(TlsRouteKind, route, route.Spec.ParentRefs, route.Status?.Parents, route, route.Spec.Hostnames, [], rule.Errors, rule.RefErrors, _ => [], client)
        {
            TlsTarget = rule.Errors.Count == 0 ? new TlsRouteTarget { Name = rule.Name, Backends = rule.Backends } : null,
        };
    }
}
