using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Store.Core;

namespace Switchyard.Store.Memory;

/// <summary>
/// A store that keeps everything in process memory: objects as serialized JSON (every read is a
/// fresh copy) and the latest <see cref="ResourceStoreOptions.EventRetention"/> events for watches.
/// Writes are serialized by one lock; nothing survives the process. For tests and <c>up --in-memory</c>.
/// </summary>
public sealed class InMemoryResourceStore : IResourceStore
{
    private readonly Lock _writeLock = new();
    private readonly MemoryEventHistory _history;
    private readonly StoreCore _core;
    private bool _disposed;

    public InMemoryResourceStore(ResourceStoreOptions? options = null)
    {
        var o = (options ?? new ResourceStoreOptions()).ValidatedCopy();
        _history = new MemoryEventHistory(o.EventRetention);
        _core = new StoreCore(o, _history);
    }

    public ValueTask<long> GetRevisionAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_core.State.Revision);

    public ValueTask<IKubernetesObject<V1ObjectMeta>?> GetAsync(ObjectRef key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_core.Get(key));

    public ValueTask<ListResult> ListAsync(ListQuery query, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_core.List(query));

    public ValueTask<WriteResult> CreateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default) =>
        Single(StoreOperation.Create(obj));

    public ValueTask<WriteResult> UpdateAsync(IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default) =>
        Single(StoreOperation.Update(obj));

    public ValueTask<WriteResult> DeleteAsync(ObjectRef key, string? expectedResourceVersion = null, CancellationToken cancellationToken = default) =>
        Single(StoreOperation.Delete(key, expectedResourceVersion));

    public ValueTask<TransactionResult> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Commit(operations));
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(WatchQuery query, CancellationToken cancellationToken = default) =>
        _core.Watch(query, cancellationToken);

    public ValueTask DisposeAsync()
    {
        lock (_writeLock) _disposed = true;
        _core.Hub.Close();
        return ValueTask.CompletedTask;
    }

    private ValueTask<WriteResult> Single(StoreOperation op)
    {
        return ValueTask.FromResult(Commit([op]).Results[0]);
    }

    private TransactionResult Commit(IReadOnlyList<StoreOperation> operations)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var plan = _core.Planner.Plan(operations, _core.State, _core.State.Revision);
            if (!plan.Committed || plan.Events.Count == 0) return plan.Result;
            _history.Append(plan.Events);
            _core.State.Apply(plan.Changes, plan.Result.Revision);
            _core.Hub.Publish(plan.Events);
            return plan.Result;
        }
    }
}
