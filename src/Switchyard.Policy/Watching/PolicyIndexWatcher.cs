using Switchyard.Store;

namespace Switchyard.Policy.Watching;

/// <summary>
/// Keeps a <see cref="PolicyIndex"/> current from an <see cref="IResourceStore"/>: lists everything once,
/// compiles, then applies watch events one by one and publishes a new snapshot after each relevant change
/// through one volatile field. When the watch revision has been compacted away it lists again and
/// recompiles from scratch. Readers call <see cref="Current"/>; they never block the watcher.
/// </summary>
public sealed class PolicyIndexWatcher
{
    private readonly IResourceStore _store;
    private volatile PolicyIndex _current = PolicyIndex.Empty;

    public PolicyIndexWatcher(IResourceStore store) => _store = store;

    public PolicyIndex Current => _current;

    /// <summary>Called after each new snapshot is published (on the watcher's task).</summary>
    public event Action<PolicyIndex>? Updated;

    /// <summary>Lists and compiles the current state; returns the first index. Call before <see cref="RunAsync"/> to start from it.</summary>
    public async Task<(PolicyCompiler Compiler, long Revision)> LoadAsync(CancellationToken cancellationToken)
    {
        var list = await _store.ListAsync(new ListQuery(null), cancellationToken).ConfigureAwait(false);
        var compiler = new PolicyCompiler();
        foreach (var o in list.Items) compiler.Upsert(o);
        Publish(compiler.SnapshotAt(list.Revision));
        return (compiler, list.Revision);
    }

    /// <summary>Follows the store until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var (compiler, revision) = await LoadAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            var expired = false;
            await foreach (var change in _store.WatchAsync(new WatchQuery(null, FromRevision: revision), cancellationToken).ConfigureAwait(false))
            {
                if (change.Type == WatchEventType.Expired)
                {
                    expired = true;
                    break;
                }
                revision = change.Revision;
                if (compiler.Apply(change)) Publish(compiler.SnapshotAt(revision));
            }
            // A stream that ends without "expired" means the store is shutting down.
            if (!expired) return;
            (compiler, revision) = await LoadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Publish(PolicyIndex index)
    {
        _current = index;
        Updated?.Invoke(index);
    }
}
