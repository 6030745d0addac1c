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
    private readonly CaBundles _cas;
    private readonly Dictionary<BackendTLSPolicy, Compiled> _built = new(ReferenceEqualityComparer.Instance);
    private readonly ProxyInputs _inputs;

    public BackendTlsPolicies(ProxyInputs inputs)
    {
        _inputs = inputs;
        _cas = new CaBundles(inputs);
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
        var compiled = Built(chosen);
        return (compiled.Tls, compiled.Error);
    }

    private Compiled Built(BackendTLSPolicy policy)
    {
        if (!_built.TryGetValue(policy, out var built)) _built[policy] = built = Build(policy, policy.Metadata.NamespaceProperty ?? "default");
        return built;
    }

    private static bool Targets(BackendTLSPolicy p, string ns, string service, string? portName, bool section) =>
        (p.Metadata.NamespaceProperty ?? "default") == ns && (p.Spec?.TargetRefs ?? []).Any(t =>
            t.Name == service && string.IsNullOrEmpty(t.Group) && t.Kind == "Service"
            && (section ? t.SectionName is not null && t.SectionName == portName : t.SectionName is null));

    /// <summary>What a policy compiles to: its TLS settings, or why its backends must fail, and what was wrong with its CA references.</summary>
    private sealed record Compiled(UpstreamTls? Tls, string? Error, string? NotAccepted, IReadOnlyList<(string Reason, string Message)> RefProblems);

    private Compiled Build(BackendTLSPolicy policy, string ns)
    {
        var name = $"backendTLSPolicy {ns}/{policy.Metadata.Name}";
        if (policy.Spec?.Validation is not { } validation || string.IsNullOrEmpty(validation.Hostname))
            return new(null, $"{name}: no validation.hostname", "Invalid", []);
        string? roots = null;
        var problems = new List<(string Reason, string Message)>();
        if (validation.CaCertificateRefs is { Count: > 0 } refs)
        {
            // Every reference is checked and reported; the usable ones make the trust bundle.
            var bundle = new StringBuilder();
            foreach (var r in refs)
            {
                var (pem, problem) = CaCertificates(ns, r);
                if (pem is not null) bundle.Append(pem).Append('\n');
                else problems.Add(problem!.Value);
            }
            if (bundle.Length == 0)
                return new(null, $"{name}: no valid CA certificate: {string.Join("; ", problems.Select(p => p.Message))}", "NoValidCACertificate", problems);
            roots = bundle.ToString();
        }
        else if (validation.WellKnownCACertificates != "System")
            return new(null, $"{name}: neither caCertificateRefs nor wellKnownCACertificates: System", "Invalid", []);
        var names = (validation.SubjectAltNames ?? [])
            .Select(s => s.Type == "URI" ? new SubjectAltName(SubjectAltNameType.Uri, s.Uri ?? "") : new SubjectAltName(SubjectAltNameType.Hostname, s.Hostname ?? ""))
            .ToList();
        return new(UpstreamTls.Create(validation.Hostname, roots, names), null, null, problems);
    }

    /// <summary>One caCertificateRef's PEM bundle, checked to hold at least one readable certificate, or what is wrong with it.</summary>
    private (string? Pem, (string Reason, string Message)? Problem) CaCertificates(string ns, LocalObjectReference r)
    {
        if (!string.IsNullOrEmpty(r.Group) || r.Kind != "ConfigMap")
            return (null, ("InvalidKind", $"caCertificateRef {(string.IsNullOrEmpty(r.Group) ? "" : r.Group + "/")}{r.Kind} {r.Name}: only ConfigMaps are supported"));
        var (pem, error) = _cas.Read(ns, r.Name);
        return pem is not null ? (pem, null) : (null, ("InvalidCACertificateRef", error!));
    }

    /// <summary>
    /// The status of each policy this controller acts on, for every Gateway of <paramref name="ours"/> whose routes send
    /// to a Service it targets (the policy's ancestors). Accepted is False/Conflicted when, for each of its targets, an
    /// older policy names the same Service and port; ResolvedRefs is False when its CA certificates cannot be used.
    /// </summary>
    public List<PolicyStatusUpdate> Statuses(IReadOnlySet<string> ours, DateTime now)
    {
        var updates = new List<PolicyStatusUpdate>();
        foreach (var policy in _inputs.BackendTlsPolicies)
        {
            var ns = policy.Metadata.NamespaceProperty ?? "default";
            var targets = (policy.Spec?.TargetRefs ?? []).Where(t => string.IsNullOrEmpty(t.Group) && t.Kind == "Service").ToList();
            var ancestors = Ancestors(ns, targets.Select(t => t.Name).ToHashSet(StringComparer.Ordinal), ours);
            var previous = policy.Status?.Ancestors ?? [];
            if (ancestors.Count == 0 && !previous.Any(a => a.ControllerName == GatewayCompiler.ControllerName)) continue;
            var winner = targets.Any(t => _byService[(ns, t.Name)].First(p => p.Spec?.TargetRefs?.Any(o => SameTarget(o, t)) == true) == policy);
            var compiled = Built(policy);
            var generation = policy.Metadata.Generation;
            var entries = new List<PolicyAncestorStatus>(previous.Where(a => a.ControllerName != GatewayCompiler.ControllerName));
            foreach (var gateway in ancestors)
            {
                var prev = previous.FirstOrDefault(a => a.ControllerName == GatewayCompiler.ControllerName && a.AncestorRef.Name == gateway.Name
                    && (a.AncestorRef.Namespace ?? ns) == gateway.Namespace)?.Conditions;
                var problems = compiled.RefProblems;
                entries.Add(new PolicyAncestorStatus
                {
                    AncestorRef = new ParentReference { Group = "gateway.networking.k8s.io", Kind = "Gateway", Namespace = gateway.Namespace, Name = gateway.Name },
                    ControllerName = GatewayCompiler.ControllerName,
                    Conditions =
                    [
                        !winner ? Conditions.Make("Accepted", false, "Conflicted", "an older BackendTLSPolicy targets the same Service ports", generation, prev, now)
                        : compiled.NotAccepted is { } reason ? Conditions.Make("Accepted", false, reason, compiled.Error!, generation, prev, now)
                        : Conditions.Make("Accepted", true, "Accepted", "the gateway speaks TLS to the targeted Service ports", generation, prev, now),
                        problems.Count == 0
                            ? Conditions.Make("ResolvedRefs", true, "ResolvedRefs", "CA certificates resolved", generation, prev, now)
                            : Conditions.Make("ResolvedRefs", false, problems.Any(p => p.Reason == "InvalidKind") ? "InvalidKind" : "InvalidCACertificateRef",
                                string.Join("; ", problems.Select(p => p.Message)), generation, prev, now),
                    ],
                });
            }
            updates.Add(new PolicyStatusUpdate(policy, entries));
        }
        return updates;
    }

    private static bool SameTarget(LocalPolicyTargetReferenceWithSectionName a, LocalPolicyTargetReferenceWithSectionName b) =>
        a.Name == b.Name && a.SectionName == b.SectionName && string.IsNullOrEmpty(a.Group) && a.Kind == "Service";

    /// <summary>Our Gateways that routes (HTTPRoute, GRPCRoute) attach to while sending to one of <paramref name="services"/> in <paramref name="ns"/>.</summary>
    private List<(string Namespace, string Name)> Ancestors(string ns, HashSet<string> services, IReadOnlySet<string> ours)
    {
        var gateways = _inputs.Gateways.Where(g => ours.Contains(g.Spec.GatewayClassName))
            .Select(g => (Namespace: g.Metadata.NamespaceProperty ?? "default", g.Metadata.Name)).ToHashSet();
        var found = new List<(string, string)>();
        void Visit(string routeNs, IEnumerable<ParentReference>? parents, IEnumerable<HTTPBackendRef> backends)
        {
            if (!backends.Any(b => string.IsNullOrEmpty(b.Group) && (b.Kind ?? "Service") == "Service" && (b.Namespace ?? routeNs) == ns && services.Contains(b.Name))) return;
            foreach (var parent in parents ?? [])
            {
                if ((parent.Kind ?? "Gateway") != "Gateway") continue;
                var key = (parent.Namespace ?? routeNs, parent.Name);
                if (gateways.Contains(key) && !found.Contains(key)) found.Add(key);
            }
        }
        foreach (var r in _inputs.HttpRoutes) Visit(r.Metadata.NamespaceProperty ?? "default", r.Spec.ParentRefs, (r.Spec.Rules ?? []).SelectMany(x => x.BackendRefs ?? []));
        foreach (var r in _inputs.GrpcRoutes) Visit(r.Metadata.NamespaceProperty ?? "default", r.Spec.ParentRefs, (r.Spec.Rules ?? []).SelectMany(x => x.BackendRefs ?? []));
        return found;
    }
}

/// <summary>A BackendTLSPolicy's ancestors as this controller sees them (other controllers' entries kept), to write back.</summary>
internal sealed record PolicyStatusUpdate(BackendTLSPolicy Policy, IList<PolicyAncestorStatus> Ancestors)
{
    public PolicyStatus Status => new() { Ancestors = Ancestors };

    /// <summary>True when the policy's status already says this.</summary>
    public bool Unchanged()
    {
        var current = Policy.Status?.Ancestors;
        if (current is null || current.Count != Ancestors.Count) return false;
        for (var i = 0; i < current.Count; i++)
        {
            var (a, b) = (current[i], Ancestors[i]);
            if (a.ControllerName != b.ControllerName || a.AncestorRef.Name != b.AncestorRef.Name || a.AncestorRef.Namespace != b.AncestorRef.Namespace
                || !Conditions.Same(a.Conditions, b.Conditions)) return false;
        }
        return true;
    }

    public BackendTLSPolicy WithStatus()
    {
        var copy = Model.Resources.ResourceJson.Clone(Policy);
        copy.Status = Status;
        return copy;
    }
}
