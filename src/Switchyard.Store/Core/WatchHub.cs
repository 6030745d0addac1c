using System.Threading.Channels;

namespace Switchyard.Store.Core;

/// <summary>
/// In-process fan-out of committed events to live watchers. Publishing never waits: each watcher
/// has a bounded buffer, and a watcher whose buffer is full is cut loose (its subscription ends
/// marked as overflowed) so that it catches up from the event history instead of holding up
/// writers or other watchers. The store publishes each commit's events in revision order from one
/// writer at a time.
/// </summary>
internal sealed class WatchHub(int bufferSize)
{
    private readonly Lock _lock = new();
    private WatchSubscription[] _subscribers = [];
    private bool _closed;

    /// <summary>Starts buffering the events in <paramref name="filter"/>'s kind and namespace.</summary>
    public WatchSubscription Subscribe(WatchFilter filter)
    {
        var sub = new WatchSubscription(this, filter, bufferSize);
        lock (_lock)
        {
            if (_closed)
            {
                sub.Complete(overflowedAt: null);
                return sub;
            }
            _subscribers = [.. _subscribers, sub];
        }
        return sub;
    }

    /// <summary>Delivers events (ascending revisions) to every subscriber whose scope they are in. Never blocks.</summary>
    public void Publish(IReadOnlyList<StoreEvent> events)
    {
        if (events.Count == 0) return;
        foreach (var sub in Volatile.Read(ref _subscribers))
        {
            foreach (var e in events)
            {
                if (!sub.Filter.MatchesScope(e.Key.Kind, e.Key.Namespace)) continue;
                if (!sub.TryWrite(e))
                {
                    sub.Complete(overflowedAt: e.Revision);
                    Remove(sub);
                    break;
                }
            }
        }
    }

    /// <summary>Ends every subscription (the store is closing); their streams end normally.</summary>
    public void Close()
    {
        WatchSubscription[] subs;
        lock (_lock)
        {
            _closed = true;
            subs = _subscribers;
            _subscribers = [];
        }
        foreach (var sub in subs) sub.Complete(overflowedAt: null);
    }

    internal void Remove(WatchSubscription sub)
    {
        lock (_lock)
        {
            var i = Array.IndexOf(_subscribers, sub);
            if (i < 0) return;
            _subscribers = [.. _subscribers[..i], .. _subscribers[(i + 1)..]];
        }
    }
}

/// <summary>One watcher's live buffer.</summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly WatchHub _hub;
    private readonly Channel<StoreEvent> _channel;
    private long _overflowedAt;

    public WatchSubscription(WatchHub hub, WatchFilter filter, int bufferSize)
    {
        _hub = hub;
        Filter = filter;
        _channel = Channel.CreateBounded<StoreEvent>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public WatchFilter Filter { get; }

    public ChannelReader<StoreEvent> Reader => _channel.Reader;

    /// <summary>
    /// The revision of the first event this subscription could not buffer, or 0. Every event in scope
    /// before it was buffered, so a watcher resumes from the history just before it.
    /// </summary>
    public long OverflowedAt => Interlocked.Read(ref _overflowedAt);

    internal bool TryWrite(StoreEvent e) => _channel.Writer.TryWrite(e);

    internal void Complete(long? overflowedAt)
    {
        if (overflowedAt is { } r) Interlocked.Exchange(ref _overflowedAt, r);
        _channel.Writer.TryComplete();
    }

    public void Dispose()
    {
        _hub.Remove(this);
        _channel.Writer.TryComplete();
    }
}
