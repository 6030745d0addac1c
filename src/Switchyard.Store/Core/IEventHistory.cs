namespace Switchyard.Store.Core;

/// <summary>
/// The retained events of a store, read by watchers that resume from a revision or fall behind.
/// Events are appended before they are published to live watchers, so a watcher that subscribes
/// first and then reads the history misses nothing.
/// </summary>
internal interface IEventHistory
{
    /// <summary>
    /// Reads up to <paramref name="limit"/> events in <paramref name="filter"/>'s kind and namespace
    /// with revision greater than <paramref name="after"/>, in revision order.
    /// </summary>
    ValueTask<HistoryPage> ReadAsync(long after, WatchFilter filter, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// A page of history. <see cref="Compacted"/>: events up to this revision are gone (a read from an
/// older revision is expired). <see cref="ScannedThrough"/>: every event in scope up to this revision is in the page
/// (or earlier pages), so the reader continues after it.
/// </summary>
internal sealed record HistoryPage(IReadOnlyList<StoreEvent> Events, long Compacted, long ScannedThrough);
