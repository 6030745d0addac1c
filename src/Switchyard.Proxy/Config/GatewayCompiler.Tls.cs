using Switchyard.Model.Gateway;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.TlsRoutes;

namespace Switchyard.Proxy.Config;

/// <summary>
/// TLSRoutes: the one rule's weighted backendRefs become a <see cref="TlsRouteTarget"/> that TLS listeners route to by
/// server name. Backend references resolve as for HTTPRoute (Services only, ReferenceGrant across namespaces); a
/// broken one keeps its weight, so its share of connections is refused, as the specification asks.
/// </summary>
internal sealed partial class GatewayCompiler
{
    private PreparedRoute PrepareTls(TLSRoute route)
    {
        var ns = route.Metadata.NamespaceProperty ?? "default";
        var errors = new List<string>();
        var refErrors = new List<(string Reason, string Message)>();
        if (route.Spec.Hostnames is not { Count: > 0 }) errors.Add("a TLSRoute names at least one hostname");
        var rule = route.Spec.Rules is { Count: 1 } rules ? rules[0] : null;
        if (rule is null) errors.Add($"a TLSRoute has exactly one rule, not {route.Spec.Rules?.Count ?? 0}");
        // Terminate mode with a BackendTLSPolicy: the gateway presents its client certificate (that of the parent Gateways, when they agree).
        var client = BaseClient(route);
        var backendList = new List<Backend>();
        foreach (var b in rule?.BackendRefs ?? [])
        {
            backendList.Add(ResolveRef(TlsRouteKind, ns, b.Group, b.Kind, b.Name, b.Namespace, b.Port, b.Weight ?? 1, "backendRef", refErrors, client));
        }
        var target = new TlsRouteTarget
        {
            Name = $"tlsroute {ns}/{route.Metadata.Name} rule {rule?.Name ?? "0"}",
            Backends = new BackendGroup(backendList),
        };
        return new(TlsRouteKind, route, route.Spec.ParentRefs, route.Status?.Parents, route, route.Spec.Hostnames, [], errors, refErrors, _ => [], client)
        {
            TlsTarget = errors.Count == 0 ? target : null,
        };
    }
}
