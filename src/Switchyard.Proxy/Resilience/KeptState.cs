using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Resilience;

/// <summary>
/// Stateful objects a compile hands to the snapshot (circuit breakers, rate-limit buckets) kept across compiles:
/// the same key gets the same object, so a reconfiguration neither refills a token bucket nor forgets the requests in
/// flight. After each compile <see cref="Sweep"/> forgets the keys that compile did not ask for; disposable ones are
/// disposed after <see cref="Grace"/>, when requests that started on the old snapshot have long used them.
/// </summary>
internal sealed class KeptState(TimeProvider time)
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private readonly Lock _gate = new();
    private readonly Dictionary<object, object> _live = [];
    private HashSet<object> _used = [];

    public T GetOrAdd<T>(object key, Func<T> create) where T : class
    {
        lock (_gate)
        {
            _used.Add(key);
            if (_live.TryGetValue(key, out var existing)) return (T)existing;
            var created = create();
            _live[key] = created;
            return created;
        }
    }

    public void Sweep()
    {
        List<IDisposable> retired = [];
        lock (_gate)
        {
            foreach (var key in _live.Keys.Where(k => !_used.Contains(k)).ToList())
            {
                if (_live[key] is IDisposable d) retired.Add(d);
                _live.Remove(key);
            }
            _used = [];
        }
        foreach (var d in retired) Retiring.DisposeAfter(d, Grace, time);
    }
}
