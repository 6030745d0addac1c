namespace Switchyard.Store.Core;

/// <summary>Read access to current objects, as the write planner sees them.</summary>
internal interface IObjectLookup
{
    StoredObject? Find(StoreKey key);
}

/// <summary>
/// The current objects and the revision they are consistent with. One writer changes it (after the
/// change is durable); readers take a consistent snapshot under a short lock and decode outside it.
/// Objects of one kind are kept sorted by namespace and name, so lists come out in order.
/// </summary>
internal sealed class ObjectState : IObjectLookup
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<StoreKey, StoredObject>> _byKind = new(StringComparer.Ordinal);
    private long _revision;

    public long Revision
    {
        get { lock (_lock) return _revision; }
    }

    public StoredObject? Find(StoreKey key)
    {
        lock (_lock)
        {
            return _byKind.TryGetValue(key.Kind, out var table) && table.TryGetValue(key, out var o) ? o : null;
        }
    }

    /// <summary>The matching objects, sorted by namespace then name (then kind), and the revision they are current at.</summary>
    public (List<StoredObject> Items, long Revision) Snapshot(WatchFilter filter)
    {
        var items = new List<StoredObject>();
        long revision;
        lock (_lock)
        {
            if (filter.Kind is not null)
            {
                if (_byKind.TryGetValue(filter.Kind.Key, out var table)) Collect(table.Values, filter, items);
                return (items, _revision);
            }
            foreach (var table in _byKind.Values) Collect(table.Values, filter, items);
            revision = _revision;
        }
        items.Sort((a, b) => a.Key.CompareTo(b.Key));
        return (items, revision);
    }

    /// <summary>Applies committed changes (null = deleted) and moves to <paramref name="revision"/>.</summary>
    public void Apply(IEnumerable<KeyValuePair<StoreKey, StoredObject?>> changes, long revision)
    {
        lock (_lock)
        {
            foreach (var (key, value) in changes)
            {
                if (value is null)
                {
                    if (_byKind.TryGetValue(key.Kind, out var t)) t.Remove(key);
                }
                else
                {
                    if (!_byKind.TryGetValue(key.Kind, out var t)) _byKind[key.Kind] = t = [];
                    t[key] = value;
                }
            }
            if (revision > _revision) _revision = revision;
        }
    }

    private static void Collect(IEnumerable<StoredObject> source, WatchFilter filter, List<StoredObject> into)
    {
        foreach (var o in source)
        {
            if (filter.Matches(o)) into.Add(o);
        }
    }
}
