using System.Collections.Immutable;
using Switchyard.Model.Networking;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;
using Switchyard.Policy.Http;

namespace Switchyard.Policy;

/// <summary>
/// An immutable, compiled view of every NetworkPolicy, HTTPNetworkPolicy, Pod and Namespace, built by
/// <see cref="PolicyCompiler"/>. Readers share it freely across threads; changes produce a new index.
/// <see cref="Decide(in Endpoint, in Endpoint, int, L4Protocol, HttpRequestInfo?)"/> reads only this object.
/// </summary>
public sealed partial class PolicyIndex
{
    private readonly Dictionary<string, NamespaceEntry> _namespaces;
    private readonly ImmutableSortedDictionary<string, PodEntry> _pods;
    private readonly ImmutableDictionary<NetAddress, PodEntry> _podsByAddress;
    private readonly Identity?[] _identities;
    private readonly SideMap?[] _maps;
    private readonly CompiledPolicy[] _policies;
    private readonly CompiledHttpPolicy[] _httpPolicies;

    internal PolicyIndex(
        long revision,
        Dictionary<string, NamespaceEntry> namespaces,
        ImmutableSortedDictionary<string, PodEntry> pods,
        ImmutableDictionary<NetAddress, PodEntry> podsByAddress,
        Identity?[] identities,
        SideMap?[] maps,
        CompiledPolicy[] policies,
        CompiledHttpPolicy[] httpPolicies,
        int ruleCount)
    {
        Revision = revision;
        _namespaces = namespaces;
        _pods = pods;
        _podsByAddress = podsByAddress;
        _identities = identities;
        _maps = maps;
        _policies = policies;
        _httpPolicies = httpPolicies;
        RuleCount = ruleCount;
        Pods = new PodCollection(pods);
    }

    public static PolicyIndex Empty { get; } = new(0, [], ImmutableSortedDictionary.Create<string, PodEntry>(StringComparer.Ordinal),
        ImmutableDictionary<NetAddress, PodEntry>.Empty, [], [], [], [], 0);

    /// <summary>The store revision this index reflects (0 when built from manifests).</summary>
    public long Revision { get; }

    /// <summary>Number of ingress and egress rules of all policies.</summary>
    public int RuleCount { get; }

    /// <summary>Every pod, sorted by "namespace/name" (ordinal).</summary>
    public IReadOnlyCollection<PodEntry> Pods { get; }
    public IReadOnlyList<CompiledPolicy> Policies => _policies;
    public IReadOnlyList<CompiledHttpPolicy> HttpPolicies => _httpPolicies;
    public IReadOnlyCollection<NamespaceEntry> Namespaces => _namespaces.Values;
    public IEnumerable<Identity> Identities => _identities.Where(i => i is not null)!;
    public int IdentityCount => _identities.Count(i => i is not null);

    public Identity? IdentityOf(PodEntry pod) => pod.Identity >= 0 && pod.Identity < _identities.Length ? _identities[pod.Identity] : null;

    public Identity? IdentityById(int id) => id >= 0 && id < _identities.Length ? _identities[id] : null;

    public PodEntry? FindPod(string ns, string name) => _pods.GetValueOrDefault($"{ns}/{name}");

    public NamespaceEntry NamespaceOf(string ns) => _namespaces.TryGetValue(ns, out var e) ? e : new NamespaceEntry(ns, null);

    public bool HasNamespace(string ns) => _namespaces.ContainsKey(ns);

    /// <summary>The pod that owns <paramref name="address"/> (host-network pods own none), or an external endpoint.</summary>
    public Endpoint Resolve(NetAddress address) =>
        _podsByAddress.TryGetValue(address, out var pod) ? Endpoint.ForPod(pod) : Endpoint.External(address);

    /// <summary>
    /// Resolves "namespace/pod", "pod" (in <paramref name="defaultNamespace"/>) or an IP address.
    /// Null when it names no known pod and is not an address.
    /// </summary>
    public Endpoint? Resolve(string text, string defaultNamespace = "default")
    {
        if (PodEntries.TryAddress(text, out var address)) return Resolve(address);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var pod = slash < 0 ? FindPod(defaultNamespace, text) : FindPod(text[..slash], text[(slash + 1)..]);
        return pod is null ? null : Endpoint.ForPod(pod);
    }
}

public sealed partial class PolicyIndex
{
    internal Dictionary<string, NamespaceEntry> NamespaceMap => _namespaces;

    /// <summary>The pods of a persistent map, as a read-only collection (no copy).</summary>
    private sealed class PodCollection(ImmutableSortedDictionary<string, PodEntry> pods) : IReadOnlyCollection<PodEntry>
    {
        public int Count => pods.Count;
        public IEnumerator<PodEntry> GetEnumerator() => pods.Values.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
