namespace Switchyard.Policy.Compilation;

/// <summary>
/// The compiler's store of <see cref="SideMap"/>s across snapshots, one per direction and list of selecting
/// policies (identities selected by the same policies share it). A snapshot builds maps only for new policy
/// lists, and in the others recomputes only the bits of identities whose peer bitsets changed.
/// </summary>
internal sealed class SideMapTable
{
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
        return id;
    }

    /// <summary>
    /// Drops maps no identity uses, builds the new ones, refreshes the bits of <paramref name="changed"/>
    /// identities in the others, and returns the maps indexed by id.
    /// </summary>
    public SideMap?[] Finish(Identity?[] identities, int[] changed)
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

        var maps = new SideMap?[_entries.Count];
        for (var id = 0; id < _entries.Count; id++)
        {
            var e = _entries[id];
            if (e is null) continue;
            if (e.References == 0)
            {
                _ids.Remove(e.Key);
                _entries[id] = null;
                _free.Push(id);
                continue;
            }
            if (e.Map is null) e.Map = SideMap.Build(e.Rules, PeersOf, NameId);
            else if (changed.Length > 0) e.Map = e.Map.WithColumns(changed, BitsOf);
            maps[id] = e.Map;
        }
        return maps;
    }
}
