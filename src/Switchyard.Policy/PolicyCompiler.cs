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
/// (a pod with new labels gets or creates an identity; a changed policy adds its rules to every identity's
/// bitset and re-selects the identities of its namespace; a relabelled namespace recomputes its identities).
/// Verdict maps (<see cref="SideMap"/>, one per direction and list of selecting policies) are built only for
/// new policy lists; in the others only the bits of identities whose peer bitsets changed are recomputed.
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
    private readonly Dictionary<string, PodEntry> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<NetAddress, PodEntry> _podsByAddress = [];
    private readonly Dictionary<string, CompiledPolicy> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CompiledPolicy>> _policiesByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CompiledHttpPolicy> _httpPolicies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CompiledHttpPolicy>> _httpByNamespace = new(StringComparer.Ordinal);
    private readonly List<CompiledRule?> _rules = [];
    private readonly List<IdentitySlot?> _slots = [];
    private readonly Dictionary<string, int> _slotByKey = new(StringComparer.Ordinal);
    private readonly Stack<int> _freeSlots = new();
    private readonly SideMapTable _maps = new();
    private int _nextSerial;

    private readonly HashSet<string> _dirtyNamespaceLabels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtySelection = new(StringComparer.Ordinal);
    private readonly HashSet<int> _newSlots = [];
    private int _newRulesFrom;
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
        if (!_podsChanged && !_namespacesChanged && !_policiesChanged && _newSlots.Count == 0 && _revision == _current.Revision)
        {
            return _current;
        }
        if (_rules.Count > 2 * _liveRules + 1024) CompactRuleIds();

        var candidates = new Dictionary<string, List<(int RuleId, CompiledPeer Peer)>>(StringComparer.Ordinal);
        var words = (_rules.Count + 63) >> 6;
        var identities = new Identity?[_slots.Count];
        var changedColumns = new List<int>();
        for (var i = 0; i < _slots.Count; i++)
        {
            var slot = _slots[i];
            if (slot is null) continue;
            var full = slot.Built is null || _newSlots.Contains(i) || _dirtyNamespaceLabels.Contains(slot.Namespace);
            var select = full || _dirtySelection.Contains(slot.Namespace);
            var extend = !full && _newRulesFrom < _rules.Count;
            if (!full && !select && !extend)
            {
                identities[i] = slot.Built;
                continue;
            }
            if (full) changedColumns.Add(i);
            var bits = full ? ComputeBits(slot, words, candidates)
                : extend ? ExtendBits(slot, slot.Built!.RuleBits, words) : slot.Built!.RuleBits;
            var built = select ? Select(i, slot, bits)
                : slot.Built!.WithRuleBits(bits);
            slot.Built = built;
            identities[i] = built;
        }

        var maps = _maps.Finish(identities, [.. changedColumns]);
        _current = new PolicyIndex(
            _revision,
            _namespacesChanged ? new Dictionary<string, NamespaceEntry>(_namespaces, StringComparer.Ordinal) : CurrentNamespaces(),
            _podsChanged ? new Dictionary<string, PodEntry>(_pods, StringComparer.Ordinal) : CurrentPods(),
            _podsChanged ? new Dictionary<NetAddress, PodEntry>(_podsByAddress) : CurrentAddresses(),
            identities,
            maps,
            _policiesChanged ? _policies.Values.Order(CompiledPolicy.Order).ToArray() : (CompiledPolicy[])_current.Policies,
            _policiesChanged ? _httpPolicies.Values.Order(CompiledHttpPolicy.Order).ToArray() : (CompiledHttpPolicy[])_current.HttpPolicies,
            _liveRules);
        _dirtyNamespaceLabels.Clear();
        _dirtySelection.Clear();
        _newSlots.Clear();
        _newRulesFrom = _rules.Count;
        _podsChanged = _namespacesChanged = _policiesChanged = false;
        return _current;
    }

    private Dictionary<string, NamespaceEntry> CurrentNamespaces() => _current.NamespaceMap;
    private Dictionary<string, PodEntry> CurrentPods() => _current.PodMap;
    private Dictionary<NetAddress, PodEntry> CurrentAddresses() => _current.AddressMap;

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
        _newSlots.Remove(id);
        _freeSlots.Push(id);
    }

    private ulong[] ComputeBits(IdentitySlot slot, int words, Dictionary<string, List<(int RuleId, CompiledPeer Peer)>> cache)
    {
        if (!cache.TryGetValue(slot.Namespace, out var list))
        {
            // Namespace matching is done once per namespace and snapshot, not once per identity.
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

    private ulong[] ExtendBits(IdentitySlot slot, ulong[] old, int words)
    {
        var bits = new ulong[words];
        Array.Copy(old, bits, Math.Min(old.Length, words));
        var nsLabels = NamespaceLabels(slot.Namespace);
        for (var r = _newRulesFrom; r < _rules.Count; r++)
        {
            if (_rules[r] is not { } rule) continue;
            foreach (var peer in rule.Peers)
            {
                if (peer.MatchesPod(slot.Namespace, nsLabels, slot.Labels))
                {
                    bits[r >> 6] |= 1UL << (r & 63);
                    break;
                }
            }
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
        var next = _rules.Count;
        var compiled = NetworkPolicyCompiler.Compile(policy, ref next);
        compiled.Serial = _nextSerial++;
        foreach (var r in compiled.Ingress.Concat(compiled.Egress)) _rules.Add(r);
        _liveRules += compiled.Ingress.Length + compiled.Egress.Length;
        _policies[compiled.Key] = compiled;
        AddSorted(_policiesByNamespace, compiled.Namespace, compiled, CompiledPolicy.Order);
        _dirtySelection.Add(compiled.Namespace);
        _policiesChanged = true;
    }

    private void RemovePolicy(string key)
    {
        if (!_policies.Remove(key, out var old)) return;
        foreach (var r in old.Ingress.Concat(old.Egress)) _rules[r.Id] = null;
        _liveRules -= old.Ingress.Length + old.Egress.Length;
        _policiesByNamespace[old.Namespace].Remove(old);
        _dirtySelection.Add(old.Namespace);
        _policiesChanged = true;
    }

    private void AddHttpPolicy(HTTPNetworkPolicy policy)
    {
        var compiled = HttpPolicyCompiler.Compile(policy);
        _httpPolicies[compiled.Key] = compiled;
        AddSorted(_httpByNamespace, compiled.Namespace, compiled, CompiledHttpPolicy.Order);
        _dirtySelection.Add(compiled.Namespace);
        _policiesChanged = true;
    }

    private void RemoveHttpPolicy(string key)
    {
        if (!_httpPolicies.Remove(key, out var old)) return;
        _httpByNamespace[old.Namespace].Remove(old);
        _dirtySelection.Add(old.Namespace);
        _policiesChanged = true;
    }

    private static void AddSorted<T>(Dictionary<string, List<T>> map, string ns, T item, IComparer<T> order)
    {
        if (!map.TryGetValue(ns, out var list)) map[ns] = list = [];
        var at = list.BinarySearch(item, order);
        list.Insert(at < 0 ? ~at : at, item);
    }

    /// <summary>Renumbers rules densely (after much policy churn) and recomputes every identity.</summary>
    private void CompactRuleIds()
    {
        var sources = _policies.Values.Select(p => p.Source!).ToList();
        _rules.Clear();
        _policies.Clear();
        _policiesByNamespace.Clear();
        _liveRules = 0;
        foreach (var s in sources) AddPolicy(s);
        for (var i = 0; i < _slots.Count; i++)
        {
            if (_slots[i] is not null) _newSlots.Add(i);
        }
    }

    private static string KeyOf(IKubernetesObject<V1ObjectMeta> obj) =>
        $"{(obj.Metadata?.NamespaceProperty is { Length: > 0 } ns ? ns : NetworkPolicyCompiler.DefaultNamespace)}/{obj.Metadata?.Name}";
}
