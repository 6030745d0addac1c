using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;

namespace Switchyard.Store.Watching;

/// <summary>
/// Keeps a local copy of one kind of object in step with the store, as a client-go informer does:
/// list, then watch from the list's revision; resume from the last revision seen when the stream
/// ends or fails; list again when the store answers Expired (reporting, as changes, whatever
/// differs between the old copy and the new list). Every change calls the handler with the old
/// and new object (null when absent). Objects in the cache are shared and must not be mutated.
/// </summary>
public sealed class Informer
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, IKubernetesObject<V1ObjectMeta>> _items = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResourceKind _kind;
    private readonly Selector? _selector;
    private readonly Action<IKubernetesObject<V1ObjectMeta>?, IKubernetesObject<V1ObjectMeta>?> _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _revision;

    public Informer(ResourceKind kind, Selector? selector, Action<IKubernetesObject<V1ObjectMeta>?, IKubernetesObject<V1ObjectMeta>?> handler, TimeProvider time, ILogger logger)
    {
        _kind = kind;
        _selector = selector;
        _handler = handler;
        _time = time;
        _logger = logger;
    }

    /// <summary>Completes once the first list has been loaded.</summary>
    public Task Synced => _synced.Task;

    /// <summary>
    /// The store revision the cache reflects: the last list's revision or the last watch event's,
    /// already set when the handler is called for that list or event (0 before the first list).
    /// </summary>
    public long Revision => Interlocked.Read(ref _revision);

    public IKubernetesObject<V1ObjectMeta>? Get(string? ns, string name)
    {
        lock (_lock) return _items.GetValueOrDefault(Key(ns, name));
    }

    /// <summary>A snapshot of the cached objects in one namespace.</summary>
    public List<IKubernetesObject<V1ObjectMeta>> List(string? ns)
    {
        lock (_lock) return _items.Values.Where(o => o.Metadata?.NamespaceProperty == ns).ToList();
    }

    public List<IKubernetesObject<V1ObjectMeta>> ListAll()
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
                    var list = await store.ListAsync(new ListQuery(_kind, null, _selector), cancellationToken);
                    Interlocked.Exchange(ref _revision, list.Revision);
                    Replace(list.Items);
                    revision = list.Revision;
                    _synced.TrySetResult();
                }
                var expired = false;
                await foreach (var e in store.WatchAsync(new WatchQuery(_kind, null, _selector, revision), cancellationToken))
                {
                    failures = 0;
                    if (e.Type == WatchEventType.Expired)
                    {
                        _logger.LogInformation("watch of {Kind} from revision {Revision} expired; listing again", _kind.Plural, revision);
                        expired = true;
                        break;
                    }
                    Interlocked.Exchange(ref _revision, e.Revision);
                    Apply(e);
                    revision = e.Revision;
                }
                if (expired)
                {
                    revision = null;
                    continue;
                }
                // The stream ended without an error (the store closed it): resume after a short pause.
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(50 * Math.Pow(2, Math.Min(failures, 10)), 10_000));
                _logger.LogWarning(e, "watch of {Kind} failed; retrying in {Delay}", _kind.Plural, delay);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Apply(WatchEvent e)
    {
        if (e.Object is not { } obj) return;
        var key = Key(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? "");
        IKubernetesObject<V1ObjectMeta>? old;
        lock (_lock)
        {
            _items.TryGetValue(key, out old);
            if (e.Type == WatchEventType.Deleted) _items.Remove(key);
            else _items[key] = obj;
        }
        if (e.Type == WatchEventType.Deleted) _handler(old ?? obj, null);
        else _handler(old, obj);
    }

    private void Replace(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> items)
    {
        var changes = new List<(IKubernetesObject<V1ObjectMeta>?, IKubernetesObject<V1ObjectMeta>?)>();
        lock (_lock)
        {
            var fresh = items.ToDictionary(o => Key(o.Metadata?.NamespaceProperty, o.Metadata?.Name ?? ""), StringComparer.Ordinal);
            foreach (var (key, old) in _items)
            {
                if (!fresh.ContainsKey(key)) changes.Add((old, null));
            }
            foreach (var (key, obj) in fresh)
            {
                _items.TryGetValue(key, out var old);
                if (old?.Metadata?.ResourceVersion != obj.Metadata?.ResourceVersion || old is null) changes.Add((old, obj));
            }
            _items.Clear();
            foreach (var (key, obj) in fresh) _items[key] = obj;
        }
        foreach (var (old, obj) in changes) _handler(old, obj);
    }

    private static string Key(string? ns, string name) => ns is null ? name : $"{ns}/{name}";
}
