using System.Collections.Concurrent;

namespace Switchyard.Proxy.Snapshot;

/// <summary>
/// Objects a new snapshot no longer uses (HTTP handlers of a rotated TLS setting, channels to endpoints that left,
/// rate-limit state of deleted routes) are not disposed at once: requests that started on the old snapshot may still
/// be using them. They are disposed after a grace period, measured on the proxy's clock.
/// </summary>
internal static class Retiring
{
    public static void DisposeAfter(IDisposable retired, TimeSpan grace, TimeProvider time) =>
        _ = Task.Delay(grace, time).ContinueWith(static (_, d) => ((IDisposable)d!).Dispose(), retired, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>Removes the entries whose key is not <paramref name="live"/>; each one's <paramref name="disposable"/> is disposed after <paramref name="grace"/>.</summary>
    public static void RetireUnless<TKey, TValue>(this ConcurrentDictionary<TKey, TValue> entries, Func<TKey, bool> live, Func<TValue, IDisposable> disposable, TimeSpan grace, TimeProvider time)
        where TKey : notnull
    {
        foreach (var (key, value) in entries)
        {
            if (live(key) || !entries.TryRemove(new KeyValuePair<TKey, TValue>(key, value))) continue;
            DisposeAfter(disposable(value), grace, time);
        }
    }
}
