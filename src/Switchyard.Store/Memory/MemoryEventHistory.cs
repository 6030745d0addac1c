using Switchyard.Store.Core;

namespace Switchyard.Store.Memory;

/// <summary>The latest <c>retention</c> events, in memory, in revision order.</summary>
internal sealed class MemoryEventHistory(int retention) : IEventHistory
{
    private readonly Lock _lock = new();
    private readonly List<StoreEvent> _events = [];
    private long _compacted;
    private long _latest;

    public void Append(IReadOnlyList<StoreEvent> events)
    {
        if (events.Count == 0) return;
        lock (_lock)
        {
            _events.AddRange(events);
            _latest = events[^1].Revision;
            var excess = _events.Count - retention;
            if (excess <= 0) return;
            _compacted = _events[excess - 1].Revision;
            _events.RemoveRange(0, excess);
        }
    }

    public ValueTask<HistoryPage> ReadAsync(long after, WatchFilter filter, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (after < _compacted) return ValueTask.FromResult(new HistoryPage([], _compacted, after));
            var page = new List<StoreEvent>();
            for (var i = FirstAfter(after); i < _events.Count; i++)
            {
                var e = _events[i];
                if (!filter.MatchesScope(e.Key.Kind, e.Key.Namespace)) continue;
                page.Add(e);
                if (page.Count == limit) return ValueTask.FromResult(new HistoryPage(page, _compacted, e.Revision));
            }
            return ValueTask.FromResult(new HistoryPage(page, _compacted, _latest));
        }
    }

    private int FirstAfter(long revision)
    {
        int lo = 0, hi = _events.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_events[mid].Revision <= revision) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
