using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Forwarding;
using SubjectAltName = Switchyard.Proxy.Forwarding.SubjectAltName;

namespace Switchyard.Proxy.Config;

/// <summary>
/// The BackendTLSPolicies of a compile, by the Service port they reach. For one port, a policy naming that port
/// (sectionName) wins over one naming the whole Service; among equals the oldest, then the first by name, wins, as
/// the Gateway API's conflict rules say. A policy whose CA certificates cannot be read yields an error instead of
/// settings: its backends then fail (answered 500) rather than fall back to cleartext.
/// </summary>
internal sealed class BackendTlsPolicies
{
    private readonly Dictionary<(string Ns, string Service), List<BackendTLSPolicy>> _byService = [];
    private readonly Dictionary<(string Ns, string Name), V1ConfigMap> _configMaps = [];
    private readonly Dictionary<BackendTLSPolicy, (UpstreamTls? Tls, string? Error)> _built = new(ReferenceEqualityComparer.Instance);

    public BackendTlsPolicies(ProxyInputs inputs)
    {
        foreach (var c in inputs.ConfigMaps) _configMaps[(c.Metadata.NamespaceProperty ?? "default", c.Metadata.Name)] = c;
        var ordered = inputs.BackendTlsPolicies
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal);
        foreach (var policy in ordered)
        {
            var ns = policy.Metadata.NamespaceProperty ?? "default";
            foreach (var target in policy.Spec?.TargetRefs ?? [])
            {
                if (!string.IsNullOrEmpty(target.Group) || target.Kind != "Service") continue;
                if (!_byService.TryGetValue((ns, target.Name), out var list)) _byService[(ns, target.Name)] = list = [];
                if (!list.Contains(policy)) list.Add(policy);
            }
        }
    }

    /// <summary>
    /// The TLS settings for Service <paramref name="ns"/>/<paramref name="service"/> port <paramref name="port"/> (null:
    /// cleartext), or the error that makes the port unusable; <paramref name="policy"/> names the policy that applies.
    /// </summary>
    public (UpstreamTls? Tls, string? Error) For(string ns, string service, V1ServicePort port, out string? policy)
    {
        policy = null;
        if (!_byService.TryGetValue((ns, service), out var candidates)) return (null, null);
        var chosen = candidates.FirstOrDefault(p => Targets(p, ns, service, port.Name, section: true))
            ?? candidates.FirstOrDefault(p => Targets(p, ns, service, port.Name, section: false));
        if (chosen is null) return (null, null);
        policy = $"{ns}/{chosen.Metadata.Name}";
        if (!_built.TryGetValue(chosen, out var built)) _built[chosen] = built = Build(chosen, ns);
        return built;
    }

    private static bool Targets(BackendTLSPolicy p, string ns, string service, string? portName, bool section) =>
        (p.Metadata.NamespaceProperty ?? "default") == ns && (p.Spec?.TargetRefs ?? []).Any(t =>
            t.Name == service && string.IsNullOrEmpty(t.Group) && t.Kind == "Service"
            && (section ? t.SectionName is not null && t.SectionName == portName : t.SectionName is null));

    private (UpstreamTls?, string?) Build(BackendTLSPolicy policy, string ns)
    {
        var name = $"backendTLSPolicy {ns}/{policy.Metadata.Name}";
        if (policy.Spec?.Validation is not { } validation || string.IsNullOrEmpty(validation.Hostname)) return (null, $"{name}: no validation.hostname");
        string? roots = null;
        if (validation.CaCertificateRefs is { Count: > 0 } refs)
        {
            var bundle = new StringBuilder();
            foreach (var r in refs)
            {
                if (!string.IsNullOrEmpty(r.Group) || r.Kind != "ConfigMap") return (null, $"{name}: caCertificateRef {r.Kind} {r.Name}: only ConfigMaps are supported (InvalidKind)");
                if (!_configMaps.TryGetValue((ns, r.Name), out var map)) return (null, $"{name}: caCertificateRef ConfigMap {ns}/{r.Name} not found (InvalidCACertificateRef)");
                if (map.Data?.TryGetValue("ca.crt", out var pem) != true || string.IsNullOrWhiteSpace(pem))
                    return (null, $"{name}: ConfigMap {ns}/{r.Name} has no ca.crt (InvalidCACertificateRef)");
                bundle.Append(pem).Append('\n');
            }
            roots = bundle.ToString();
        }
        else if (validation.WellKnownCACertificates != "System") return (null, $"{name}: neither caCertificateRefs nor wellKnownCACertificates: System");
        var names = (validation.SubjectAltNames ?? [])
            .Select(s => s.Type == "URI" ? new SubjectAltName(SubjectAltNameType.Uri, s.Uri ?? "") : new SubjectAltName(SubjectAltNameType.Hostname, s.Hostname ?? ""))
            .ToList();
        try
        {
            return (UpstreamTls.Create(validation.Hostname, roots, names), null);
        }
        catch (CryptographicException e)
        {
            return (null, $"{name}: the CA certificates in ca.crt cannot be read: {e.Message} (InvalidCACertificateRef)");
        }
    }
}
