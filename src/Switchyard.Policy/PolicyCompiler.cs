using System.Collections.Immutable;
using k8s;
using k8s.Models;
using Switchyard.Model.Policy;
using Switchyard.Model.Networking;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Http;
using Switchyard.Store;

namespace Switchyard.Policy;

/// <summary>
/// Builds <see cref="PolicyIndex"/> snapshots from NetworkPolicies, HTTPNetworkPolicies, Pods and Namespaces,
/// incrementally: each change marks what it affects, and <see cref="Snapshot"/> recomputes only that
/// (a pod with new labels gets or creates an identity; a changed policy gets rule ids freed by earlier
/// policies, sets their bits in the identities its peers select and re-selects the identities of its
/// namespace; a relabelled namespace recomputes its identities). Pods and addresses live in persistent
/// maps, so a snapshot shares them with the previous one instead of copying them. Verdict maps
/// (<see cref="SideMap"/>, one per direction and list of selecting policies) are built only for new policy
/// lists; in the others only the bits of changed identities are recomputed, and only in maps with a rule
/// that selects (or selected) them.
/// Not thread-safe: one owner (usually <see cref="Watching.PolicyIndexWatcher"/>) feeds it; snapshots are shared freely.
/// </summary>
public sealed class PolicyCompiler
{
    private sealed class IdentitySlot(string key, string ns, Dictionary<string, string> labels)
    {
        public string Key { get; } = key;
        public string Namespace { get; } = ns;
        public Dictionary<string, string> Labels { get; } = labels;
        public int References { get; set; }
        public Identity? Built { get; set; }
    }

    private readonly Dictionary<string, NamespaceEntry> _namespaces = new(StringComparer.Ordinal);
    private readonly ImmutableSortedDictionary<string, PodEntry>.Builder _pods =
        ImmutableSortedDictionary.CreateBuilder<string, PodEntry>(StringComparer.Ordinal);
    private readonly ImmutableDictionary<NetAddress, PodEntry>.Builder _podsByAddress = ImmutableDictionary.CreateBuilder<NetAddress, PodEntry>();
    private readonly Dictionary<string, CompiledPolicy> _policies = new(StringComparer.Ordinal);
    private readonly List<CompiledPolicy> _sortedPolicies = [];
    private readonly List<CompiledHttpPolicy> _sortedHttpPolicies = [];
    private readonly Dictionary<string, List<CompiledPolicy>> _policiesByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompiledHttpPolicy> _httpPolicies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CompiledHttpPolicy>> _httpByNamespace = new(StringComparer.Ordinal);
    private readonly List<CompiledRule?> _rules = [];
    private readonly PriorityQueue<int, int> _freeRuleIds = new();
    private readonly List<int> _newRuleIds = [];
    private readonly List<IdentitySlot?> _slots = [];
    private readonly Dictionary<string, int> _slotByKey = new(StringComparer.Ordinal);
    private readonly Stack<int> _freeSlots = new();
    private readonly SideMapTable _maps = new();
    private int _nextSerial;

    private readonly HashSet<string> _dirtyNamespaceLabels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtySelection = new(StringComparer.Ordinal);
    private readonly HashSet<int> _newSlots = [];
    private readonly Dictionary<int, ulong[]> _freedBits = [];

    /// <summary>Per namespace, the selector peers whose namespace part admits it; kept until policies or namespaces change.</summary>
    private readonly Dictionary<string, List<(int RuleId, CompiledPeer Peer)>> _candidates = new(StringComparer.Ordinal);
    private int _liveRules;
    private bool _podsChanged = true, _namespacesChanged = true, _policiesChanged = true;
    private long _revision;
    private PolicyIndex _current = PolicyIndex.Empty;

    /// <summary>Compiles a set of objects in one go (objects of other kinds are ignored).</summary>
    public static PolicyIndex Compile(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var compiler = new PolicyCompiler();
        foreach (var o in objects) compiler.Upsert(o);
        return compiler.Snapshot();
    }

    /// <summary>The last snapshot taken (does not apply pending changes).</summary>
    public PolicyIndex Current => _current;

    /// <summary>Applies one store event; returns false for kinds policy does not read.</summary>
    public bool Apply(WatchEvent change)
    {
        if (change.Object is null) return false;
        _revision = Math.Max(_revision, change.Revision);
        return change.Type == Store.WatchEventType.Deleted ? Delete(change.Object) : Upsert(change.Object);
    }

    /// <summary>Adds or replaces an object; returns false for kinds policy does not read.</summary>
    public bool Upsert(IKubernetesObject<V1ObjectMeta> obj)
    {
        switch (obj)
        {
            case V1Pod pod: UpsertPod(pod); return true;
            case V1Namespace ns: UpsertNamespace(ns); return true;
            case V1NetworkPolicy np: RemovePolicy(KeyOf(np)); AddPolicy(np); return true;
            case HTTPNetworkPolicy hp: RemoveHttpPolicy(KeyOf(hp)); AddHttpPolicy(hp); return true;
            default: return false;
        }
    }

    public bool Delete(IKubernetesObject<V1ObjectMeta> obj)
    {
        switch (obj)
        {
            case V1Pod pod: RemovePod(KeyOf(pod)); return true;
            case V1Namespace ns:
                if (_namespaces.Remove(ns.Metadata?.Name ?? "")) MarkNamespaceLabels(ns.Metadata?.Name ?? "");
                return true;
            case V1NetworkPolicy np: RemovePolicy(KeyOf(np)); return true;
            case HTTPNetworkPolicy hp: RemoveHttpPolicy(KeyOf(hp)); return true;
            default: return false;
        }
    }

    /// <summary>Like <see cref="Snapshot"/>, recording that the index reflects the store at <paramref name="revision"/>.</summary>
    public PolicyIndex SnapshotAt(long revision)
    {
        _revision = Math.Max(_revision, revision);
        return Snapshot();
    }

    /// <summary>Returns an index with every change so far; the same instance when nothing changed.</summary>
    public PolicyIndex Snapshot()
    {
        if (!_podsChanged && !_namespacesChanged && !_policiesChanged && _newSlots.Count == 0 && _freedBits.Count == 0
            && _revision == _current.Revision)
        {
            return _current;
        }

        if (_policiesChanged || _namespacesChanged) _candidates.Clear();
        var words = (_rules.Count + 63) >> 6;
        var identities = new Identity?[_slots.Count];
        var changes = new List<SideMapTable.Change>();
        foreach (var (id, bits) in _freedBits)
        {
            // A freed identity's bits are cleared from the maps; a new identity in the same slot is set below.
            if (id >= _slots.Count || _slots[id] is null) changes.Add(new(id, bits, null));
        }
        for (var i = 0; i < _slots.Count; i++)
        {
            var slot = _slots[i];
            if (slot is null) continue;
            var full = slot.Built is null || _newSlots.Contains(i) || _dirtyNamespaceLabels.Contains(slot.Namespace);
            var select = full || _dirtySelection.Contains(slot.Namespace);
            var bits = full ? ComputeBits(slot, words, _candidates)
                : _newRuleIds.Count > 0 ? UpdateBits(slot, slot.Built!.RuleBits) : slot.Built!.RuleBits;
            if (full)
            {
                var old = _newSlots.Contains(i) ? _freedBits.GetValueOrDefault(i) : slot.Built?.RuleBits;
                changes.Add(new(i, old, bits));
            }
            var built = select ? Select(i, slot, bits)
                : ReferenceEquals(bits, slot.Built!.RuleBits) ? slot.Built : slot.Built.WithRuleBits(bits);
            slot.Built = built;
            identities[i] = built;
        }

        var maps = _maps.Finish(identities, changes);
        _current = new PolicyIndex(
            _revision,
            _namespacesChanged ? new Dictionary<string, NamespaceEntry>(_namespaces, StringComparer.Ordinal) : _current.NamespaceMap,
            _pods.ToImmutable(),
            _podsByAddress.ToImmutable(),
            identities,
            maps,
            _policiesChanged ? [.. _sortedPolicies] : (CompiledPolicy[])_current.Policies,
            _policiesChanged ? [.. _sortedHttpPolicies] : (CompiledHttpPolicy[])_current.HttpPolicies,
            _liveRules);
        _dirtyNamespaceLabels.Clear();
        _dirtySelection.Clear();
        _newSlots.Clear();
        _freedBits.Clear();
        _newRuleIds.Clear();
        _podsChanged = _namespacesChanged = _policiesChanged = false;
        return _current;
    }

    // ---- pods and identities ----

    private void UpsertPod(V1Pod pod)
    {
        var key = KeyOf(pod);
        RemovePod(key);
        if (PodEntries.IsFinished(pod)) return;
        var ns = pod.Metadata?.NamespaceProperty is { Length: > 0 } n ? n : NetworkPolicyCompiler.DefaultNamespace;
        var identity = pod.Spec?.HostNetwork == true ? -1 : AcquireIdentity(ns, pod.Metadata?.Labels);
        var entry = PodEntries.Create(pod, identity, _maps.NameId);
        _pods[key] = entry;
        if (!entry.HostNetwork)
        {
            foreach (var a in entry.Addresses) _podsByAddress[a] = entry;
        }
        _podsChanged = true;
    }

    private void RemovePod(string key)
    {
        if (!_pods.Remove(key, out var old)) return;
        foreach (var a in old.Addresses)
        {
            if (_podsByAddress.TryGetValue(a, out var owner) && ReferenceEquals(owner, old)) _podsByAddress.Remove(a);
        }
        if (old.Identity >= 0) ReleaseIdentity(old.Identity);
        _podsChanged = true;
    }

    private int AcquireIdentity(string ns, IDictionary<string, string>? labels)
    {
        var key = Identity.KeyOf(ns, labels);
        if (_slotByKey.TryGetValue(key, out var id))
        {
            _slots[id]!.References++;
            return id;
        }
        var slot = new IdentitySlot(key, ns, labels is null ? new(StringComparer.Ordinal) : new(labels, StringComparer.Ordinal)) { References = 1 };
        if (_freeSlots.TryPop(out id)) _slots[id] = slot;
        else
        {
            id = _slots.Count;
            _slots.Add(slot);
        }
        _slotByKey[key] = id;
        _newSlots.Add(id);
        return id;
    }

    private void ReleaseIdentity(int id)
    {
        var slot = _slots[id]!;
        if (--slot.References > 0) return;
        _slotByKey.Remove(slot.Key);
        _slots[id] = null;
        if (!_newSlots.Remove(id) && slot.Built is not null) _freedBits.TryAdd(id, slot.Built.RuleBits);
        _freeSlots.Push(id);
    }

    private ulong[] ComputeBits(IdentitySlot slot, int words, Dictionary<string, List<(int RuleId, CompiledPeer Peer)>> cache)
    {
        if (!cache.TryGetValue(slot.Namespace, out var list))
        {
            // Namespace matching is done once per namespace while rules and namespaces stay the same, not once per identity.
            var nsLabels = NamespaceLabels(slot.Namespace);
            list = [];
            foreach (var rule in _rules)
            {
                if (rule is null) continue;
                foreach (var peer in rule.Peers)
                {
                    if (peer.SelectsPods && peer.MatchesNamespace(slot.Namespace, nsLabels)) list.Add((rule.Id, peer));
                }
            }
            cache[slot.Namespace] = list;
        }
        var bits = new ulong[words];
        foreach (var (ruleId, peer) in list)
        {
            if (peer.PodSelector is null || peer.PodSelector.Matches(slot.Labels)) bits[ruleId >> 6] |= 1UL << (ruleId & 63);
        }
        return bits;
    }

    /// <summary>
    /// The identity's bitset with the bits of rule ids assigned since the last snapshot recomputed (an id may
    /// have belonged to a removed rule); the same array when no bit moves, a copy otherwise.
    /// </summary>
    private ulong[] UpdateBits(IdentitySlot slot, ulong[] old)
    {
        var bits = old;
        Dictionary<string, string>? nsLabels = null;
        foreach (var r in _newRuleIds)
        {
            if (_rules[r] is not { } rule) continue;
            var want = false;
            foreach (var peer in rule.Peers)
            {
                if (!peer.SelectsPods) continue;
                nsLabels ??= NamespaceLabels(slot.Namespace);
                if (peer.MatchesPod(slot.Namespace, nsLabels, slot.Labels))
                {
                    want = true;
                    break;
                }
            }
            var word = r >> 6;
            var has = word < bits.Length && (bits[word] & (1UL << (r & 63))) != 0;
            if (has == want) continue;
            if (ReferenceEquals(bits, old))
            {
                bits = new ulong[Math.Max(old.Length, (_rules.Count + 63) >> 6)];
                Array.Copy(old, bits, old.Length);
            }
            bits[word] ^= 1UL << (r & 63);
        }
        return bits;
    }

    private Identity Select(int id, IdentitySlot slot, ulong[] bits)
    {
        var ingress = new List<CompiledPolicy>();
        var egress = new List<CompiledPolicy>();
        if (_policiesByNamespace.TryGetValue(slot.Namespace, out var policies))
        {
            foreach (var p in policies)
            {
                if (!p.PodSelector.Matches(slot.Labels)) continue;
                if (p.AffectsIngress) ingress.Add(p);
                if (p.AffectsEgress) egress.Add(p);
            }
        }
        var http = _httpByNamespace.TryGetValue(slot.Namespace, out var hps)
            ? hps.Where(p => p.PodSelector.Matches(slot.Labels)).ToArray()
            : [];
        CompiledPolicy[] ingressPolicies = [.. ingress], egressPolicies = [.. egress];
        return new Identity(id, slot.Namespace, slot.Labels, bits, ingressPolicies, egressPolicies, http,
            _maps.Acquire(PolicyDirection.Ingress, ingressPolicies), _maps.Acquire(PolicyDirection.Egress, egressPolicies));
    }

    // ---- namespaces ----

    private void UpsertNamespace(V1Namespace ns)
    {
        var name = ns.Metadata?.Name ?? "";
        var entry = new NamespaceEntry(name, ns.Metadata?.Labels);
        if (_namespaces.TryGetValue(name, out var old) && old.SameLabels(entry)) return;
        _namespaces[name] = entry;
        MarkNamespaceLabels(name);
    }

    private void MarkNamespaceLabels(string name)
    {
        _dirtyNamespaceLabels.Add(name);
        _namespacesChanged = true;
    }

    private Dictionary<string, string> NamespaceLabels(string ns) =>
        _namespaces.TryGetValue(ns, out var e) ? e.Labels : new NamespaceEntry(ns, null).Labels;

    // ---- policies ----

    private void AddPolicy(V1NetworkPolicy policy)
    {
        var compiled = NetworkPolicyCompiler.Compile(policy, NextRuleId);
        compiled.Serial = _nextSerial++;
        foreach (var r in compiled.Ingress.Concat(compiled.Egress)) _rules[r.Id] = r;
        _liveRules += compiled.Ingress.Length + compiled.Egress.Length;
        _policies[compiled.Key] = compiled;
        Insert(_sortedPolicies, compiled, CompiledPolicy.Order);
        AddSorted(_policiesByNamespace, compiled.Namespace, compiled, CompiledPolicy.Order);
        _dirtySelection.Add(compiled.Namespace);
        _policiesChanged = true;
    }

    private void RemovePolicy(string key)
    {
        if (!_policies.Remove(key, out var old)) return;
        foreach (var r in old.Ingress.Concat(old.Egress))
        {
            _rules[r.Id] = null;
            _freeRuleIds.Enqueue(r.Id, r.Id);
        }
        _liveRules -= old.Ingress.Length + old.Egress.Length;
        _sortedPolicies.Remove(old);
        _policiesByNamespace[old.Namespace].Remove(old);
        _dirtySelection.Add(old.Namespace);
        _policiesChanged = true;
    }

    private void AddHttpPolicy(HTTPNetworkPolicy policy)
    {
        var compiled = HttpPolicyCompiler.Compile(policy);
        _httpPolicies[compiled.Key] = compiled;
        Insert(_sortedHttpPolicies, compiled, CompiledHttpPolicy.Order);
        AddSorted(_httpByNamespace, compiled.Namespace, compiled, CompiledHttpPolicy.Order);
        _dirtySelection.Add(compiled.Namespace);
        _policiesChanged = true;
    }

    private void RemoveHttpPolicy(string key)
    {
        if (!_httpPolicies.Remove(key, out var old)) return;
        _sortedHttpPolicies.Remove(old);
        _httpByNamespace[old.Namespace].Remove(old);
        _dirtySelection.Add(old.Namespace);
        _policiesChanged = true;
    }

    /// <summary>
    /// A rule id for a new rule: the smallest id a removed rule freed (so bitsets stay as long as the most
    /// rules ever live at once), else the next one. Its bits are recomputed at the next snapshot.
    /// </summary>
    private int NextRuleId()
    {
        if (!_freeRuleIds.TryDequeue(out var id, out _))
        {
            id = _rules.Count;
            _rules.Add(null);
        }
        _newRuleIds.Add(id);
        return id;
    }

    private static void AddSorted<T>(Dictionary<string, List<T>> map, string ns, T item, IComparer<T> order)
    {
        if (!map.TryGetValue(ns, out var list)) map[ns] = list = [];
        Insert(list, item, order);
    }

    private static void Insert<T>(List<T> list, T item, IComparer<T> order)
    {
        var at = list.BinarySearch(item, order);
        list.Insert(at < 0 ? ~at : at, item);
    }

    private static string KeyOf(IKubernetesObject<V1ObjectMeta> obj) =>
        $"{(obj.Metadata?.NamespaceProperty is { Length: > 0 } ns ? ns : NetworkPolicyCompiler.DefaultNamespace)}/{obj.Metadata?.Name}";
}
