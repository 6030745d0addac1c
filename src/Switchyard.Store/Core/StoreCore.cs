using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Store.Core;

/// <summary>
/// What every store shares: the current objects, the write rules, the watch hub, and the read and
/// watch algorithms. A store adds where writes become durable and where the event history lives.
/// </summary>
internal sealed class StoreCore
{
    private const int HistoryPageSize = 1024;
    private readonly IEventHistory _history;

    public StoreCore(ResourceStoreOptions options, IEventHistory history)
    {
        Options = options;
        _history = history;
        Planner = new WritePlanner(options);
        Hub = new WatchHub(options.WatchBufferSize);
    }

    public ResourceStoreOptions Options { get; }
    public ObjectState State { get; } = new();
    public WritePlanner Planner { get; }
    public WatchHub Hub { get; }

    public IKubernetesObject<V1ObjectMeta>? Get(ObjectRef key) => State.Find(StoreKey.From(key))?.Decode();

    public ListResult List(ListQuery query)
    {
        var (items, revision) = State.Snapshot(new WatchFilter(query.Kind, query.Namespace, query.LabelSelector));
        var decoded = new IKubernetesObject<V1ObjectMeta>[items.Count];
        for (var i = 0; i < items.Count; i++) decoded[i] = items[i].Decode();
        return new ListResult(decoded, revision);
    }

    /// <summary>
    /// Subscribes to live events first, then replays what it may have missed (the current objects,
    /// or the history after the requested revision), then streams live events; revisions already
    /// delivered are skipped, so there is neither a gap nor a duplicate. A watcher whose live buffer
    /// overflowed re-subscribes and catches up from the history the same way.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent> Watch(WatchQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = new WatchFilter(query.Kind, query.Namespace, query.LabelSelector);
        var sub = Hub.Subscribe(filter);
        try
        {
            long last;
            if (query.FromRevision is { } from)
            {
                last = from;
            }
            else
            {
                var (items, revision) = State.Snapshot(filter);
                foreach (var o in items) yield return new WatchEvent(WatchEventType.Added, o.Revision, o.Decode());
                last = revision;
            }

            while (true)
            {
                // Catch up from the history.
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var page = await _history.ReadAsync(last, filter, HistoryPageSize, cancellationToken).ConfigureAwait(false);
                    if (page.Compacted > last)
                    {
                        yield return new WatchEvent(WatchEventType.Expired, page.Compacted, null);
                        yield break;
                    }
                    foreach (var e in page.Events)
                    {
                        if (e.Revision <= last) continue;
                        last = e.Revision;
                        if (filter.Translate(e) is { } we) yield return we;
                    }
                    last = Math.Max(last, page.ScannedThrough);
                    if (page.Events.Count < HistoryPageSize) break;
                }

                // Live.
                var reader = sub.Reader;
                while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (reader.TryRead(out var e))
                    {
                        if (e.Revision <= last) continue;
                        last = e.Revision;
                        if (filter.Translate(e) is { } we) yield return we;
                    }
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (sub.OverflowedAt == 0) yield break; // the store is closing

                // Too slow: everything in scope before the dropped event was delivered; resume from the history.
                last = Math.Max(last, sub.OverflowedAt - 1);
                sub.Dispose();
                sub = Hub.Subscribe(filter);
            }
        }
        finally
        {
            sub.Dispose();
        }
    }
}
