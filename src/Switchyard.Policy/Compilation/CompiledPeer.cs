using Switchyard.Model.Selectors;
using Switchyard.Model.Networking;

namespace Switchyard.Policy.Compilation;

/// <summary>An ipBlock: a CIDR minus the listed exceptions.</summary>
public sealed record IpBlock(IpPrefix Cidr, IpPrefix[] Except)
{
    public bool Contains(NetAddress address)
    {
        if (!Cidr.Contains(address)) return false;
        foreach (var e in Except)
        {
            if (e.Contains(address)) return false;
        }
        return true;
    }

    public override string ToString() => Except.Length == 0 ? Cidr.ToString() : $"{Cidr} except {string.Join(", ", Except)}";
}

/// <summary>
/// One NetworkPolicyPeer. Pods are chosen by <see cref="PodSelector"/> within the policy's namespace,
/// by <see cref="NamespaceSelector"/> (all pods of matching namespaces), or by both (pods matching the pod
/// selector in namespaces matching the namespace selector). <see cref="IpBlock"/> matches addresses.
/// A peer that sets nothing (invalid in the API) matches nothing.
/// </summary>
public sealed class CompiledPeer
{
    public required string PolicyNamespace { get; init; }
    public Selector? PodSelector { get; init; }
    public Selector? NamespaceSelector { get; init; }
    public IpBlock? IpBlock { get; init; }

    public bool SelectsPods => PodSelector is not null || NamespaceSelector is not null;

    /// <summary>Whether this peer's namespace part admits the namespace (pods in it may still be filtered by the pod selector).</summary>
    public bool MatchesNamespace(string ns, IDictionary<string, string> namespaceLabels) =>
        NamespaceSelector is not null ? NamespaceSelector.Matches(namespaceLabels)
        : PodSelector is not null && string.Equals(ns, PolicyNamespace, StringComparison.Ordinal);

    public bool MatchesPod(string ns, IDictionary<string, string> namespaceLabels, IDictionary<string, string> podLabels) =>
        SelectsPods && MatchesNamespace(ns, namespaceLabels) && (PodSelector?.Matches(podLabels) ?? true);

    public override string ToString()
    {
        if (IpBlock is not null) return $"ipBlock {IpBlock}";
        if (PodSelector is not null && NamespaceSelector is not null) return $"pods {Describe(PodSelector)} in namespaces {Describe(NamespaceSelector)}";
        if (NamespaceSelector is not null) return $"all pods in namespaces {Describe(NamespaceSelector)}";
        if (PodSelector is not null) return $"pods {Describe(PodSelector)} in namespace {PolicyNamespace}";
        return "nothing (empty peer)";
    }

    private static string Describe(Selector s) => s.IsEverything ? "(any)" : $"({s})";
}
