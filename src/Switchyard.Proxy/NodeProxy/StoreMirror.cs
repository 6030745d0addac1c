using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Model.Resources;
using Switchyard.Store;
using WatchEventType = Switchyard.Store.WatchEventType;

namespace Switchyard.Proxy.NodeProxy;

/// <summary>
/// A local copy of one kind from the store: list, then watch from the list's revision, resuming after
/// the last revision seen, listing again when the store answers Expired. Calls <c>changed</c> after every
/// applied change. Read with <see cref="Snapshot"/>.
/// </summary>
internal sealed class StoreMirror(ResourceKind kind, Action changed, TimeProvider time, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectRef, IKubernetesObject<V1ObjectMeta>> _items = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Synced => _synced.Task;

    public List<IKubernetesObject<V1ObjectMeta>> Snapshot()
    {
        lock (_lock) return [.. _items.Values];
    }

    public async Task RunAsync(IResourceStore store, CancellationToken cancellationToken)
    {
        long? revision = null;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (revision is null)
                {
                    var list = await store.ListAsync(new ListQuery(kind), cancellationToken);
                    lock (_lock)
                    {
                        _items.Clear();
                        foreach (var o in list.Items) _items[ObjectRef.Of(o)] = o;
                    }
                    revision = list.Revision;
                    _synced.TrySetResult();
                    changed();
                }
                await foreach (var e in store.WatchAsync(new WatchQuery(kind, FromRevision: revision), cancellationToken))
                {
                    failures = 0;
                    if (e.Type == WatchEventType.Expired)
                    {
                        revision = null;
                        break;
                    }
                    revision = e.Revision;
                    if (e.Object is not { } obj) continue;
                    lock (_lock)
                    {
                        if (e.Type == WatchEventType.Deleted) _items.Remove(ObjectRef.Of(obj));
                        else _items[ObjectRef.Of(obj)] = obj;
                    }
                    changed();
                }
                if (revision is not null) await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(50 * Math.Pow(2, Math.Min(failures, 10)), 10_000));
                logger.LogWarning(e, "node proxy: watch of {Kind} failed; retrying in {Delay}", kind.Plural, delay);
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
