using k8s.Models;
using Switchyard.Model.Selectors;

namespace Switchyard.Policy.Compilation;

/// <summary>
/// A NetworkPolicy ready for evaluation: its pod selector, the directions it isolates (policyTypes,
/// defaulted as the API does), and its rules. Policies compare by (namespace, name), the order in
/// which verdicts name them, so that the result never depends on the order they were applied.
/// </summary>
public sealed class CompiledPolicy
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required Selector PodSelector { get; init; }
    public required bool AffectsIngress { get; init; }
    public required bool AffectsEgress { get; init; }

    /// <summary>Ingress rules; empty when the policy isolates ingress and allows nothing.</summary>
    public CompiledRule[] Ingress { get; internal set; } = [];
    public CompiledRule[] Egress { get; internal set; } = [];

    public V1NetworkPolicy? Source { get; init; }

    /// <summary>Unique per compiled policy within one compiler: keys the policy sets that share a verdict map.</summary>
    internal int Serial { get; set; }

    public string Key => $"{Namespace}/{Name}";

    public bool Affects(PolicyDirection direction) => direction == PolicyDirection.Ingress ? AffectsIngress : AffectsEgress;

    public CompiledRule[] Rules(PolicyDirection direction) => direction == PolicyDirection.Ingress ? Ingress : Egress;

    /// <summary>Namespace, then name, ordinal: the order verdicts list policies in.</summary>
    public static IComparer<CompiledPolicy> Order { get; } = Comparer<CompiledPolicy>.Create((a, b) =>
    {
        var c = string.CompareOrdinal(a.Namespace, b.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    });

    public override string ToString() => Key;
}
