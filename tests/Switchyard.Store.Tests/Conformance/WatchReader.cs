namespace Switchyard.Store.Tests.Conformance;

/// <summary>Reads a watch one event at a time; a missing event fails after a generous deadline instead of hanging.</summary>
internal sealed class WatchReader : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly CancellationTokenSource _cts = new();
    private readonly IAsyncEnumerator<WatchEvent> _events;

    public WatchReader(IResourceStore store, WatchQuery query) =>
        _events = store.WatchAsync(query, _cts.Token).GetAsyncEnumerator(_cts.Token);

    public WatchEvent Current => _events.Current;

    public async Task<WatchEvent> NextAsync()
    {
        Assert.True(await MoveAsync(), "the watch ended");
        return _events.Current;
    }

    public async Task<List<WatchEvent>> TakeAsync(int count)
    {
        var list = new List<WatchEvent>(count);
        for (var i = 0; i < count; i++) list.Add(await NextAsync());
        return list;
    }

    /// <summary>True when the stream ends (rather than yielding another event).</summary>
    public async Task<bool> EndsAsync() => !await MoveAsync();

    public void Cancel() => _cts.Cancel();

    public async Task<bool> MoveAsync()
    {
        var move = _events.MoveNextAsync().AsTask();
        if (await Task.WhenAny(move, Task.Delay(Deadline)) != move) throw new TimeoutException($"no watch event within {Deadline.TotalSeconds} s");
        return await move;
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            await _events.DisposeAsync();
        }
        catch (NotSupportedException)
        {
            // Disposing while a MoveNextAsync that timed out is still pending; the cancellation ends it.
        }
        _cts.Dispose();
    }
}
