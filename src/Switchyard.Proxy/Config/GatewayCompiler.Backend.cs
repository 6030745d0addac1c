using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Config;

/// <summary>
/// The Gateway as a TLS client (Gateway API <c>spec.tls.backend.clientCertificateRef</c>): a kubernetes.io/tls Secret,
/// in another namespace only with a ReferenceGrant, presented to the backends the Gateway's routes reach under a
/// BackendTLSPolicy. Routes attached to such a Gateway get entries compiled for its certificate (backends under a
/// BackendTLSPolicy are then its own; cleartext ones stay shared). An unusable reference sets the Gateway's
/// ResolvedRefs False (InvalidClientCertificateRef or RefNotPermitted) and its TLS backends answer 500 rather than
/// connect without the certificate.
/// </summary>
internal sealed partial class GatewayCompiler
{
    private readonly Dictionary<Gateway, GatewayClientCertificate?> _backendClients = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(PreparedRoute Route, string Identity), List<(MatchPrecedence, RouteEntry)>> _entriesFor = [];

    /// <summary>The client certificate of <paramref name="gateway"/>, or why it has none; null when it names none.</summary>
    private GatewayClientCertificate? BackendClientFor(Gateway gateway)
    {
        if (_backendClients.TryGetValue(gateway, out var known)) return known;
        var result = gateway.Spec.Tls?.Backend?.ClientCertificateRef is { } r ? Load(gateway, r) : null;
        _backendClients[gateway] = result;
        return result;
    }

    private GatewayClientCertificate Load(Gateway gateway, SecretObjectReference r)
    {
        var name = Key(gateway.Metadata);
        var gwNs = gateway.Metadata.NamespaceProperty ?? "default";
        if ((r.Group ?? "") != "" || (r.Kind ?? "Secret") != "Secret")
            return new(name, null, $"{r.Kind}/{r.Name}: only core Secrets (type kubernetes.io/tls) are supported", "InvalidClientCertificateRef");
        var ns = r.Namespace ?? gwNs;
        if (ns != gwNs && !Granted(GatewayApi.Group, "Gateway", gwNs, "", "Secret", ns, r.Name))
            return new(name, null, $"secret {ns}/{r.Name}: no ReferenceGrant in {ns} allows Gateways from {gwNs}", "RefNotPermitted");
        var (certificate, error) = TlsSecrets.Load(inputs.Secrets, ns, r.Name);
        return certificate is null ? new(name, null, error, "InvalidClientCertificateRef") : new(name, certificate, null, null);
    }

    /// <summary>
    /// The client certificate a route's entries are first compiled for: that of its parent Gateways (of ours) when
    /// they all have the same, else none. Then a route attached to one Gateway is compiled once, and no backend is
    /// built for a certificate no Gateway presents.
    /// </summary>
    private GatewayClientCertificate? BaseClient(k8s.IKubernetesObject<V1ObjectMeta> route)
    {
        var ns = route.Metadata.NamespaceProperty ?? "default";
        var parents = route switch { HTTPRoute h => h.Spec.ParentRefs, GRPCRoute g => g.Spec.ParentRefs, TLSRoute t => t.Spec.ParentRefs, _ => null } ?? [];
        _ourClasses ??= inputs.GatewayClasses.Where(c => c.Spec.ControllerName == ControllerName).Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        // A ListenerSet parent stands for the Gateway it names.
        var named = parents.Select(p => ParentKey.Of(p, ns)).OfType<ParentKey>()
            .Select(k => k.Kind == "Gateway" ? k : inputs.ListenerSets.FirstOrDefault(s => ParentKey.Of(s) == k)?.Spec.ParentRef is { } g
                ? new ParentKey("Gateway", g.Namespace ?? k.Ns, g.Name) : k)
            .ToHashSet();
        var clients = inputs.Gateways
            .Where(g => _ourClasses.Contains(g.Spec.GatewayClassName) && named.Contains(ParentKey.Of(g)))
            .Select(BackendClientFor).DistinctBy(c => c?.Identity).ToList();
        return clients.Count == 1 ? clients[0] : null;
    }

    private HashSet<string>? _ourClasses;

    /// <summary>The entries <paramref name="route"/> adds to a listener of <paramref name="gateway"/>: compiled for its client certificate, if it has one.</summary>
    private List<(MatchPrecedence, RouteEntry)> EntriesFor(PreparedRoute route, Gateway gateway)
    {
        var client = BackendClientFor(gateway);
        if (client?.Identity == route.BaseClient?.Identity) return route.Entries;
        var key = (route, client?.Identity ?? "");
        if (!_entriesFor.TryGetValue(key, out var entries)) _entriesFor[key] = entries = route.CompileFor(client);
        return entries;
    }

    /// <summary>
    /// Gateway ResolvedRefs: False with InvalidClientCertificateRef or RefNotPermitted when its client certificate
    /// cannot be used, else False/ListenersNotResolved when a listener's references are not resolved, else True.
    /// </summary>
    private void AddResolvedRefs(Gateway gateway, GatewayStatus status)
    {
        var (ok, reason, message) = BackendClientFor(gateway) is { Certificate: null } broken
            ? (false, broken.Reason!, $"tls.backend.clientCertificateRef: {broken.Error}")
            : status.Listeners!.Where(l => l.Conditions!.Any(c => c.Type == "ResolvedRefs" && c.Status == "False")).Select(l => l.Name).ToList() is { Count: > 0 } unresolved
                ? (false, "ListenersNotResolved", $"listeners with unresolved references: {string.Join(", ", unresolved)}")
                : (true, "ResolvedRefs", "all references resolved");
        status.Conditions!.Add(Conditions.Make("ResolvedRefs", ok, reason, message, gateway.Metadata.Generation, gateway.Status?.Conditions, now));
    }
}
