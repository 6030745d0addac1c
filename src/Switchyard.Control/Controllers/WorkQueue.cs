using System.Threading.Channels;

namespace Switchyard.Control.Controllers;

/// <summary>
/// A queue of keys to reconcile, with the guarantees of client-go's work queue: a key waiting in the
/// queue is held once however often it is added (events coalesce); a key is handed to one worker at
/// a time, and a key added while it is being processed is queued again when the worker calls
/// <see cref="Done"/>. <see cref="Retry"/> re-adds a failed key after an exponential back-off.
/// </summary>
internal sealed class WorkQueue<T> : IDisposable where T : notnull
{
    private readonly Lock _lock = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, int> _failures = [];
    private readonly HashSet<ITimer> _timers = [];
    private readonly Channel<T> _ready = Channel.CreateUnbounded<T>();
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private bool _disposed;

    public WorkQueue(TimeProvider time, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        _time = time;
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
    }

    /// <summary>Keys waiting (not counting those being processed).</summary>
    public int Count
    {
        get { lock (_lock) return _dirty.Count; }
    }

    public void Add(T key)
    {
        lock (_lock)
        {
            if (_disposed || !_dirty.Add(key) || _processing.Contains(key)) return;
            _ready.Writer.TryWrite(key);
        }
    }

    /// <summary>Waits for the next key; the caller must call <see cref="Done"/> with it afterwards.</summary>
    public async ValueTask<T> TakeAsync(CancellationToken cancellationToken)
    {
        var key = await _ready.Reader.ReadAsync(cancellationToken);
        lock (_lock)
        {
            _dirty.Remove(key);
            _processing.Add(key);
        }
        return key;
    }

    public void Done(T key)
    {
        lock (_lock)
        {
            _processing.Remove(key);
            if (!_disposed && _dirty.Contains(key)) _ready.Writer.TryWrite(key);
        }
    }

    /// <summary>Clears the failure count of a key that was processed successfully.</summary>
    public void Forget(T key)
    {
        lock (_lock) _failures.Remove(key);
    }

    /// <summary>Adds the key again after base × 2^(failures−1), capped at the maximum delay.</summary>
    public TimeSpan Retry(T key)
    {
        TimeSpan delay;
        lock (_lock)
        {
            if (_disposed) return TimeSpan.Zero;
            var failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
            delay = TimeSpan.FromTicks((long)Math.Min(_baseDelay.Ticks * Math.Pow(2, Math.Min(failures - 1, 30)), _maxDelay.Ticks));
        }
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Adds the key once <paramref name="delay"/> has passed (at once when it is not positive).</summary>
    public void AddAfter(T key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }
        lock (_lock)
        {
            if (_disposed) return;
            ITimer? timer = null;
            timer = _time.CreateTimer(_ =>
            {
                lock (_lock) _timers.Remove(timer!);
                timer!.Dispose();
                Add(key);
            }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timers.Add(timer);
            timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// One worker: takes keys until cancelled and reconciles each with <paramref name="sync"/>. Success clears the
    /// key's failures and, when <paramref name="sync"/> returns a delay, looks at the key again after it; a failure
    /// re-adds the key with back-off and is reported to <paramref name="failed"/> with that back-off.
    /// </summary>
    public async Task RunWorkerAsync(Func<T, CancellationToken, Task<TimeSpan?>> sync, Action<T, Exception, TimeSpan> failed, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var key = await TakeAsync(cancellationToken);
            try
            {
                var recheck = await sync(key, cancellationToken);
                Forget(key);
                if (recheck is { } delay) AddAfter(key, delay);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed(key, e, Retry(key));
            }
            finally
            {
                Done(key);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var t in _timers) t.Dispose();
            _timers.Clear();
            _ready.Writer.TryComplete();
        }
    }
}
