using k8s.Models;
using Switchyard.Model.Networking;

namespace Switchyard.Model.Validation.Networking;

/// <summary>
/// API rules for networking.k8s.io/v1 NetworkPolicy, as the Kubernetes API server applies them: policyTypes
/// defaulted from the rules present, port protocol TCP; selectors, ports, port ranges, peers and ipBlocks checked.
/// </summary>
internal sealed class NetworkPolicyRules : KindRules<V1NetworkPolicy>
{
    private static readonly string[] PolicyTypeValues = ["Ingress", "Egress"];
    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];

    protected override void Default(V1NetworkPolicy obj)
    {
        // The API server decodes a missing spec or podSelector as empty: it selects every pod of the namespace.
        var spec = obj.Spec ??= new V1NetworkPolicySpec();
        spec.PodSelector ??= new V1LabelSelector();
        foreach (var port in AllPorts(spec)) port.Protocol ??= "TCP";
        if (spec.PolicyTypes is null or { Count: 0 })
        {
            // Ingress is always implied; Egress only when the policy has egress rules (an empty list says nothing).
            spec.PolicyTypes = spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];
        }
    }

    private static IEnumerable<V1NetworkPolicyPort> AllPorts(V1NetworkPolicySpec spec) =>
        (spec.Ingress ?? []).Where(r => r is not null).SelectMany(r => r.Ports ?? [])
            .Concat((spec.Egress ?? []).Where(r => r is not null).SelectMany(r => r.Ports ?? []))
            .Where(p => p is not null);

    protected override void Validate(V1NetworkPolicy obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        MetadataRules.ValidateLabelSelector(spec.PodSelector, "spec.podSelector", errors);

        for (var i = 0; i < (spec.Ingress?.Count ?? 0); i++)
        {
            var path = FieldPath.Index("spec.ingress", i);
            if (spec.Ingress![i] is not { } rule) continue;
            ValidatePorts(rule.Ports, FieldPath.Child(path, "ports"), errors);
            ValidatePeers(rule.FromProperty, FieldPath.Child(path, "from"), errors);
        }
        for (var i = 0; i < (spec.Egress?.Count ?? 0); i++)
        {
            var path = FieldPath.Index("spec.egress", i);
            if (spec.Egress![i] is not { } rule) continue;
            ValidatePorts(rule.Ports, FieldPath.Child(path, "ports"), errors);
            ValidatePeers(rule.To, FieldPath.Child(path, "to"), errors);
        }
        ValidatePolicyTypes(spec.PolicyTypes, errors);
    }

    private static void ValidatePolicyTypes(IList<string>? types, List<FieldError> errors)
    {
        if (types is null) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < types.Count; i++)
        {
            var path = FieldPath.Index("spec.policyTypes", i);
            if (!PolicyTypeValues.Contains(types[i], StringComparer.Ordinal)) errors.NotSupported(path, types[i], PolicyTypeValues);
            else if (!seen.Add(types[i])) errors.Duplicate(path, types[i]);
        }
        if (types.Count > PolicyTypeValues.Length) errors.TooMany("spec.policyTypes", types.Count, PolicyTypeValues.Length);
    }

    private static void ValidatePorts(IList<V1NetworkPolicyPort>? ports, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var pPath = FieldPath.Index(path, i);
            if (ports![i] is not { } port) continue;
            if (port.Protocol is { } protocol && !Protocols.Contains(protocol, StringComparer.Ordinal))
            {
                errors.NotSupported(FieldPath.Child(pPath, "protocol"), protocol, Protocols);
            }
            var portPath = FieldPath.Child(pPath, "port");
            var endPortPath = FieldPath.Child(pPath, "endPort");
            int? number = null;
            if (port.Port?.Value is { } value)
            {
                if (int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n))
                {
                    number = n;
                    if (n < 1 || n > 65535) errors.Invalid(portPath, n, "must be between 1 and 65535, inclusive");
                }
                else errors.InvalidEach(portPath, value, KubernetesNames.ValidatePortName(value));
            }
            if (port.EndPort is not { } end) continue;
            if (port.Port?.Value is null) errors.Required(portPath, "must be specified when `endPort` is specified");
            else if (number is null) errors.Invalid(endPortPath, end, "may not be specified when `port` is non-numeric");
            else if (end < number) errors.Invalid(endPortPath, end, "must be greater than or equal to `port`");
            if (end < 1 || end > 65535) errors.Invalid(endPortPath, end, "must be between 1 and 65535, inclusive");
        }
    }

    private static void ValidatePeers(IList<V1NetworkPolicyPeer>? peers, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (peers?.Count ?? 0); i++)
        {
            var pPath = FieldPath.Index(path, i);
            if (peers![i] is not { } peer)
            {
                errors.Required(pPath, "must specify a peer");
                continue;
            }
            var hasSelector = peer.PodSelector is not null || peer.NamespaceSelector is not null;
            if (!hasSelector && peer.IpBlock is null) errors.Required(pPath, "must specify a peer");
            else if (hasSelector && peer.IpBlock is not null) errors.Forbidden(pPath, "may not specify both ipBlock and another peer");
            MetadataRules.ValidateLabelSelector(peer.PodSelector, FieldPath.Child(pPath, "podSelector"), errors);
            MetadataRules.ValidateLabelSelector(peer.NamespaceSelector, FieldPath.Child(pPath, "namespaceSelector"), errors);
            if (peer.IpBlock is { } block) ValidateIpBlock(block, FieldPath.Child(pPath, "ipBlock"), errors);
        }
    }

    private static void ValidateIpBlock(V1IPBlock block, string path, List<FieldError> errors)
    {
        var cidrPath = FieldPath.Child(path, "cidr");
        IpPrefix? cidr = null;
        if (string.IsNullOrEmpty(block.Cidr)) errors.Required(cidrPath);
        else if (IpPrefix.TryParseLenient(block.Cidr, out var parsed)) cidr = parsed;
        else errors.Invalid(cidrPath, block.Cidr, IpRules.CidrMessage);
        for (var i = 0; i < (block.Except?.Count ?? 0); i++)
        {
            var ePath = FieldPath.Index(FieldPath.Child(path, "except"), i);
            var text = block.Except![i];
            if (!IpPrefix.TryParseLenient(text, out var except)) errors.Invalid(ePath, text, IpRules.CidrMessage);
            else if (cidr is { } outer && !(outer.Covers(except) && except.PrefixLength > outer.PrefixLength)) errors.Invalid(ePath, text, "must be a strict subset of `cidr`");
        }
    }
}
