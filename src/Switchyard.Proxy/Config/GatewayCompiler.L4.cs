using k8s;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Backends;

namespace Switchyard.Proxy.Config;

/// <summary>
/// What routes of whole connections (TLSRoute, TCPRoute) and of UDP sessions (UDPRoute) compile alike: their one rule, named for logs and metrics
/// ("tlsroute NS/NAME rule 0"), and its weighted backendRefs resolved as for HTTPRoute (Services only, ReferenceGrant
/// across namespaces). A broken reference keeps its weight, so its share of connections is refused, as the
/// specification asks; a rule without backendRefs refuses them all, and says so in ResolvedRefs.
/// </summary>
internal sealed partial class GatewayCompiler
{
    /// <summary>A compiled rule of a route of whole connections, and what is wrong with the route (rule errors: it serves nothing).</summary>
    private sealed record ConnectionRule(string Name, BackendGroup Backends, List<string> Errors, List<(string Reason, string Message)> RefErrors);

    /// <summary>The route's one rule; its errors say why when it has not exactly one.</summary>
    /// <param name="client">The client certificate backends under a BackendTLSPolicy present (TLS Terminate); null: none.</param>
    private ConnectionRule CompileConnectionRule<TRule>(string kind, IKubernetesObject<V1ObjectMeta> route, IList<TRule>? rules,
        Func<TRule, string?> nameOf, Func<TRule, IList<BackendRef>?> backendRefsOf, GatewayClientCertificate? client)
        where TRule : class
    {
        var ns = route.Metadata.NamespaceProperty ?? "default";
        var (errors, refErrors) = (new List<string>(), new List<(string Reason, string Message)>());
        var rule = rules is { Count: 1 } ? rules[0] : null;
        if (rule is null) errors.Add($"a {kind} has exactly one rule, not {rules?.Count ?? 0}");
        var backendList = new List<Backend>();
        foreach (var b in (rule is null ? null : backendRefsOf(rule)) ?? [])
        {
            backendList.Add(ResolveRef(kind, ns, b.Group, b.Kind, b.Name, b.Namespace, b.Port, b.Weight ?? 1, "backendRef", refErrors, client));
        }
        if (rule is not null && backendList.Count == 0) refErrors.Add(("BackendNotFound", $"the rule has no backendRef: every {(kind == UdpRouteKind ? "datagram is dropped" : "connection is refused")}"));
        var name = $"{kind.ToLowerInvariant()} {ns}/{route.Metadata.Name} rule {(rule is null ? null : nameOf(rule)) ?? "0"}";
        return new(name, new BackendGroup(backendList), errors, refErrors);
    }
}
