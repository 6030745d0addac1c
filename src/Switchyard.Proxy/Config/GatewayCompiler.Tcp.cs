using Switchyard.Model.Gateway;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.TcpRoutes;

namespace Switchyard.Proxy.Config;

/// <summary>
/// TCPRoutes: the one rule's weighted backendRefs become a <see cref="TcpRouteTarget"/> that serves every connection of
/// the TCP ports the route is the oldest on. Backend references resolve as for the other routes (Services only,
/// ReferenceGrant across namespaces); a broken one keeps its weight, so its share of connections is refused, as the
/// specification asks. The bytes go to endpoints as the client sent them: no BackendTLSPolicy applies.
/// </summary>
internal sealed partial class GatewayCompiler
{
    private PreparedRoute PrepareTcp(TCPRoute route)
    {
        var ns = route.Metadata.NamespaceProperty ?? "default";
        var errors = new List<string>();
        var refErrors = new List<(string Reason, string Message)>();
        // More than one rule could never be reached (nothing tells a port's connections apart): refused, as Envoy Gateway does.
        var rule = route.Spec.Rules is { Count: 1 } rules ? rules[0] : null;
        if (rule is null) errors.Add($"a TCPRoute has exactly one rule, not {route.Spec.Rules?.Count ?? 0}");
        var backendList = new List<Backend>();
        foreach (var b in rule?.BackendRefs ?? [])
        {
            backendList.Add(ResolveRef(TcpRouteKind, ns, b.Group, b.Kind, b.Name, b.Namespace, b.Port, b.Weight ?? 1, "backendRef", refErrors, client: null));
        }
        if (rule is not null && backendList.Count == 0) refErrors.Add(("BackendNotFound", "the rule has no backendRef: every connection is refused"));
        var target = new TcpRouteTarget($"tcproute {ns}/{route.Metadata.Name} rule {rule?.Name ?? "0"}", new BackendGroup(backendList));
        return new(TcpRouteKind, route, route.Spec.ParentRefs, route.Status?.Parents, route, null, [], errors, refErrors, _ => [], null)
        {
            TcpTarget = errors.Count == 0 ? target : null,
        };
    }
}
