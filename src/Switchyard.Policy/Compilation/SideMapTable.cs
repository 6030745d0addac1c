namespace Switchyard.Policy.Compilation;

/// <summary>
/// The compiler's store of <see cref="SideMap"/>s across snapshots, one per direction and list of selecting
/// policies (identities selected by the same policies share it). A snapshot builds maps only for new policy
/// lists, and in the others recomputes only the bits of identities whose peer bitsets changed, and only in
/// maps holding a rule that selects (or selected) them: an index from rule id to maps finds those.
/// </summary>
internal sealed class SideMapTable
{
    /// <summary>An identity whose rule bitset went from <see cref="Old"/> to <see cref="New"/> (null: it did not or no longer exists).</summary>
    public readonly record struct Change(int Identity, ulong[]? Old, ulong[]? New);

    private sealed class Entry(string key, CompiledRule[] rules)
    {
        public string Key { get; } = key;
        public CompiledRule[] Rules { get; } = rules;
        public SideMap? Map { get; set; }
        public int References { get; set; }
    }

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<Entry?> _entries = [];
    private readonly Stack<int> _free = new();
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
    private readonly List<List<int>?> _entriesByRule = [];

    /// <summary>A small number per container port name, shared by pods and rules of one compiler.</summary>
    public int NameId(string name)
    {
        if (_names.TryGetValue(name, out var id)) return id;
        id = _names.Count;
        _names[name] = id;
        return id;
    }

    /// <summary>The map id for <paramref name="policies"/> (sorted) in <paramref name="direction"/>; -1 when there are none.</summary>
    public int Acquire(PolicyDirection direction, CompiledPolicy[] policies)
    {
        if (policies.Length == 0) return -1;
        var key = string.Join(",", policies.Select(p => p.Serial.ToString(System.Globalization.CultureInfo.InvariantCulture)).Prepend(direction == PolicyDirection.Ingress ? "i" : "e"));
        if (_ids.TryGetValue(key, out var id)) return id;
        var entry = new Entry(key, policies.SelectMany(p => p.Rules(direction)).ToArray());
        if (_free.TryPop(out id)) _entries[id] = entry;
        else
        {
            id = _entries.Count;
            _entries.Add(entry);
        }
        _ids[key] = id;
        foreach (var rule in entry.Rules)
        {
            while (_entriesByRule.Count <= rule.Id) _entriesByRule.Add(null);
            (_entriesByRule[rule.Id] ??= []).Add(id);
        }
        return id;
    }

    private void Drop(int id, Entry e)
    {
        _ids.Remove(e.Key);
        _entries[id] = null;
        _free.Push(id);
        foreach (var rule in e.Rules) _entriesByRule[rule.Id]!.Remove(id);
    }

    /// <summary>
    /// Drops maps no identity uses, builds the new ones, refreshes the bits of <paramref name="changes"/>
    /// in the others that hold a rule whose bit is set in the old or new bitset, and returns the maps indexed by id.
    /// </summary>
    public SideMap?[] Finish(Identity?[] identities, List<Change> changes)
    {
        foreach (var e in _entries)
        {
            if (e is not null) e.References = 0;
        }
        foreach (var identity in identities)
        {
            if (identity is null) continue;
            if (identity.IngressMap >= 0) _entries[identity.IngressMap]!.References++;
            if (identity.EgressMap >= 0) _entries[identity.EgressMap]!.References++;
        }
        var rulePeers = new Dictionary<int, ulong[]>();
        ulong[] PeersOf(int ruleId)
        {
            if (rulePeers.TryGetValue(ruleId, out var bits)) return bits;
            bits = new ulong[(identities.Length + 63) >> 6];
            for (var j = 0; j < identities.Length; j++)
            {
                if (identities[j] is { } i && i.HasRuleBit(ruleId)) bits[j >> 6] |= 1UL << (j & 63);
            }
            return rulePeers[ruleId] = bits;
        }
        ulong[]? BitsOf(int id) => id < identities.Length ? identities[id]?.RuleBits : null;

        for (var id = 0; id < _entries.Count; id++)
        {
            if (_entries[id] is { References: 0 } e) Drop(id, e);
        }
        foreach (var (id, changed) in AffectedMaps(changes))
        {
            var e = _entries[id]!;
            if (e.Map is not null) e.Map = e.Map.WithColumns([.. changed], BitsOf);
        }
        var maps = new SideMap?[_entries.Count];
        for (var id = 0; id < _entries.Count; id++)
        {
            if (_entries[id] is not { } e) continue;
            e.Map ??= SideMap.Build(e.Rules, PeersOf, NameId);
            maps[id] = e.Map;
        }
        return maps;
    }

    /// <summary>Per live map id, the changed identities whose old or new bitset has a bit of one of its rules.</summary>
    private Dictionary<int, List<int>> AffectedMaps(List<Change> changes)
    {
        var affected = new Dictionary<int, List<int>>();
        foreach (var change in changes)
        {
            foreach (var bits in new[] { change.Old, change.New })
            {
                if (bits is null) continue;
                for (var w = 0; w < bits.Length; w++)
                {
                    for (var word = bits[w]; word != 0; word &= word - 1)
                    {
                        var rule = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                        if (rule >= _entriesByRule.Count || _entriesByRule[rule] is not { } ids) continue;
                        foreach (var id in ids)
                        {
                            if (!affected.TryGetValue(id, out var list)) affected[id] = list = [];
                            if (list.Count == 0 || list[^1] != change.Identity) list.Add(change.Identity);
                        }
                    }
                }
            }
        }
        return affected;
    }
}
