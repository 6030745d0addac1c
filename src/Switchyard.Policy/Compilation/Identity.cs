namespace Switchyard.Policy.Compilation;

/// <summary>
/// A security identity, as Cilium has them: every pod with the same namespace and the same labels shares
/// one, so selector matching happens once per identity, not once per pod. It carries what the decision
/// path needs precomputed: which rules' pod/namespace selectors admit it as a peer (a bitset by rule id),
/// and, for each direction, the policies that select it and their rules in policy order.
/// </summary>
public sealed class Identity
{
    internal Identity(int id, string ns, Dictionary<string, string> labels, ulong[] ruleBits,
        CompiledPolicy[] ingressPolicies, CompiledPolicy[] egressPolicies, Http.CompiledHttpPolicy[] httpPolicies,
        int ingressMap, int egressMap)
    {
        IngressMap = ingressMap;
        EgressMap = egressMap;
        HttpPolicies = httpPolicies;
        Id = id;
        Namespace = ns;
        Labels = labels;
        RuleBits = ruleBits;
        IngressPolicies = ingressPolicies;
        EgressPolicies = egressPolicies;
        IngressRules = ingressPolicies.SelectMany(p => p.Ingress).ToArray();
        EgressRules = egressPolicies.SelectMany(p => p.Egress).ToArray();
    }

    private Identity(Identity from, ulong[] ruleBits)
    {
        Id = from.Id;
        Namespace = from.Namespace;
        Labels = from.Labels;
        RuleBits = ruleBits;
        IngressPolicies = from.IngressPolicies;
        EgressPolicies = from.EgressPolicies;
        IngressRules = from.IngressRules;
        EgressRules = from.EgressRules;
        HttpPolicies = from.HttpPolicies;
        IngressMap = from.IngressMap;
        EgressMap = from.EgressMap;
    }

    /// <summary>The same identity with a new rule bitset (policies and verdict maps unchanged).</summary>
    internal Identity WithRuleBits(ulong[] ruleBits) => new(this, ruleBits);

    public int Id { get; }
    public string Namespace { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    internal Dictionary<string, string> LabelMap => (Dictionary<string, string>)Labels;

    /// <summary>Bit r is set when a pod/namespace-selector peer of rule r selects this identity.</summary>
    internal ulong[] RuleBits { get; }

    /// <summary>Index of the verdict map (<see cref="SideMap"/>) for ingress in the index; -1 when not isolated.</summary>
    internal int IngressMap { get; }
    internal int EgressMap { get; }

    internal int MapOf(PolicyDirection direction) => direction == PolicyDirection.Ingress ? IngressMap : EgressMap;

    /// <summary>Policies that select this identity and isolate it for ingress, sorted by namespace/name.</summary>
    public CompiledPolicy[] IngressPolicies { get; }
    public CompiledPolicy[] EgressPolicies { get; }

    /// <summary>The ingress rules of <see cref="IngressPolicies"/>, in policy order then rule order.</summary>
    public CompiledRule[] IngressRules { get; }
    public CompiledRule[] EgressRules { get; }

    /// <summary>HTTPNetworkPolicies that select this identity, sorted by namespace/name.</summary>
    public Http.CompiledHttpPolicy[] HttpPolicies { get; }

    public bool IsIsolated(PolicyDirection direction) =>
        (direction == PolicyDirection.Ingress ? IngressPolicies : EgressPolicies).Length > 0;

    public CompiledPolicy[] Policies(PolicyDirection direction) => direction == PolicyDirection.Ingress ? IngressPolicies : EgressPolicies;
    public CompiledRule[] Rules(PolicyDirection direction) => direction == PolicyDirection.Ingress ? IngressRules : EgressRules;

    internal bool HasRuleBit(int ruleId)
    {
        var word = ruleId >> 6;
        return word < RuleBits.Length && (RuleBits[word] & (1UL << (ruleId & 63))) != 0;
    }

    internal static string KeyOf(string ns, IDictionary<string, string>? labels)
    {
        if (labels is null || labels.Count == 0) return ns;
        var sb = new System.Text.StringBuilder(ns);
        foreach (var (k, v) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append('\0').Append(k).Append('=').Append(v);
        }
        return sb.ToString();
    }

    public override string ToString() => $"identity {Id} ({Namespace}: {string.Join(",", Labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))})";
}

/// <summary>A namespace as policy sees it: its labels plus <c>kubernetes.io/metadata.name</c>, which the API server always sets.</summary>
public sealed class NamespaceEntry
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    public NamespaceEntry(string name, IDictionary<string, string>? labels)
    {
        Name = name;
        var all = labels is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(labels, StringComparer.Ordinal);
        all[NameLabel] = name;
        Labels = all;
    }

    public string Name { get; }
    public Dictionary<string, string> Labels { get; }

    internal bool SameLabels(NamespaceEntry other) =>
        Labels.Count == other.Labels.Count && Labels.All(p => other.Labels.TryGetValue(p.Key, out var v) && v == p.Value);
}
