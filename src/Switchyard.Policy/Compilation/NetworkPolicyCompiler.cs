using k8s.Models;
using Switchyard.Model.Selectors;
using Switchyard.Model.Validation;
using Switchyard.Model.Networking;

namespace Switchyard.Policy.Compilation;

/// <summary>
/// Turns one networking.k8s.io/v1 NetworkPolicy into a <see cref="CompiledPolicy"/>. Works on objects
/// whether or not the API defaults were applied. Anything invalid that slipped past validation compiles
/// to the narrowest meaning (a peer or port that matches nothing), so bad input never widens access.
/// </summary>
internal static class NetworkPolicyCompiler
{
    public const string DefaultNamespace = "default";

    /// <summary>
    /// policyTypes as the API defaults it: as written when set; otherwise Ingress always, and Egress
    /// when the policy has at least one egress rule.
    /// </summary>
    public static (bool Ingress, bool Egress) EffectivePolicyTypes(V1NetworkPolicySpec? spec)
    {
        var types = spec?.PolicyTypes;
        if (types is null || types.Count == 0) return (true, spec?.Egress is { Count: > 0 });
        return (types.Contains("Ingress"), types.Contains("Egress"));
    }

    /// <summary>Compiles <paramref name="policy"/>, numbering its rules (ingress, then egress) with ids from <paramref name="ruleIds"/>.</summary>
    public static CompiledPolicy Compile(V1NetworkPolicy policy, Func<int> ruleIds)
    {
        var ns = string.IsNullOrEmpty(policy.Metadata?.NamespaceProperty) ? DefaultNamespace : policy.Metadata.NamespaceProperty;
        var spec = policy.Spec;
        var (ingress, egress) = EffectivePolicyTypes(spec);
        var compiled = new CompiledPolicy
        {
            Namespace = ns,
            Name = policy.Metadata?.Name ?? "",
            // podSelector is required by the API; an empty one selects every pod of the namespace.
            PodSelector = spec?.PodSelector is null ? Selector.Everything : Selector.FromLabelSelector(spec.PodSelector),
            AffectsIngress = ingress,
            AffectsEgress = egress,
            Source = policy,
        };
        var ingressRules = spec?.Ingress ?? [];
        var rules = new CompiledRule[ingressRules.Count];
        for (var i = 0; i < rules.Length; i++)
        {
            rules[i] = CompileRule(compiled, PolicyDirection.Ingress, i, ruleIds(), ingressRules[i]?.FromProperty, ingressRules[i]?.Ports);
        }
        compiled.Ingress = rules;
        var egressRules = spec?.Egress ?? [];
        rules = new CompiledRule[egressRules.Count];
        for (var i = 0; i < rules.Length; i++)
        {
            rules[i] = CompileRule(compiled, PolicyDirection.Egress, i, ruleIds(), egressRules[i]?.To, egressRules[i]?.Ports);
        }
        compiled.Egress = rules;
        return compiled;
    }

    internal static CompiledRule CompileRule(
        CompiledPolicy policy, PolicyDirection direction, int index, int id,
        IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports)
    {
        var compiledPeers = (peers ?? []).Select(p => CompilePeer(p, policy.Namespace)).ToArray();
        return new CompiledRule
        {
            Policy = policy,
            Direction = direction,
            Index = index,
            Id = id,
            AnyPeer = peers is null || peers.Count == 0,
            Peers = compiledPeers,
            IpBlocks = compiledPeers.Where(p => p.IpBlock is not null).Select(p => p.IpBlock!).ToArray(),
            Ports = (ports ?? []).Select(CompilePort).ToArray(),
        };
    }

    internal static CompiledPeer CompilePeer(V1NetworkPolicyPeer? peer, string policyNamespace)
    {
        if (peer?.IpBlock is { } block)
        {
            if (!IpPrefix.TryParseLenient(block.Cidr, out var cidr)) return new CompiledPeer { PolicyNamespace = policyNamespace };
            var except = new List<IpPrefix>();
            foreach (var e in block.Except ?? [])
            {
                // An unparsable exception is taken as excluding the whole block: fail closed.
                except.Add(IpPrefix.TryParseLenient(e, out var c) ? c : cidr);
            }
            return new CompiledPeer { PolicyNamespace = policyNamespace, IpBlock = new IpBlock(cidr, [.. except]) };
        }
        return new CompiledPeer
        {
            PolicyNamespace = policyNamespace,
            PodSelector = peer?.PodSelector is null ? null : Selector.FromLabelSelector(peer.PodSelector),
            NamespaceSelector = peer?.NamespaceSelector is null ? null : Selector.FromLabelSelector(peer.NamespaceSelector),
        };
    }

    internal static CompiledPort CompilePort(V1NetworkPolicyPort? port)
    {
        if (!L4Protocols.TryParse(port?.Protocol, out var protocol)) return CompiledPort.Range(L4Protocol.TCP, 1, 0);
        var value = port?.Port?.Value;
        if (string.IsNullOrEmpty(value)) return CompiledPort.AnyPort(protocol);
        if (PortRules.IsNumeric(value, out var number))
        {
            var end = port!.EndPort ?? number;
            return CompiledPort.Range(protocol, (int)Math.Clamp(number, 0, 65536), (int)Math.Clamp(end, -1, 65535));
        }
        return port!.EndPort is null ? CompiledPort.Named(protocol, value) : CompiledPort.Range(protocol, 1, 0);
    }
}
