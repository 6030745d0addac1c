namespace Switchyard.Store.Core;

/// <summary>
/// What a transaction will do if it commits: its results, the events it emits (one per revision,
/// in order) and the resulting object states (null = deleted). A failed plan has no events.
/// </summary>
internal sealed class TransactionPlan
{
    private TransactionPlan(TransactionResult result, IReadOnlyList<StoreEvent> events, IReadOnlyDictionary<StoreKey, StoredObject?> changes)
    {
        Result = result;
        Events = events;
        Changes = changes;
    }

    public TransactionResult Result { get; }
    public IReadOnlyList<StoreEvent> Events { get; }
    public IReadOnlyDictionary<StoreKey, StoredObject?> Changes { get; }
    public bool Committed => Result.Committed;

    public static TransactionPlan Success(IReadOnlyList<WriteResult> results, long revision, IReadOnlyList<StoreEvent> events, IReadOnlyDictionary<StoreKey, StoredObject?> changes) =>
        new(new TransactionResult(results, null, revision), events, changes);

    public static TransactionPlan Failure(WriteResult failed, int index, long revision) =>
        new(new TransactionResult([failed], index, revision), [], new Dictionary<StoreKey, StoredObject?>());
}

/// <summary>Objects as they are after some not-yet-committed changes: those changes first, then the base.</summary>
internal sealed class PendingState(IObjectLookup committed) : IObjectLookup
{
    private readonly Dictionary<StoreKey, StoredObject?> _changes = [];

    public IReadOnlyDictionary<StoreKey, StoredObject?> Changes => _changes;

    public StoredObject? Find(StoreKey key) => _changes.TryGetValue(key, out var o) ? o : committed.Find(key);

    public void Set(StoreKey key, StoredObject? value) => _changes[key] = value;

    public void Merge(IReadOnlyDictionary<StoreKey, StoredObject?> changes)
    {
        foreach (var (k, v) in changes) _changes[k] = v;
    }
}
