using System.Threading.Channels;
using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Store;
using WatchEventType = Switchyard.Store.WatchEventType;

namespace Switchyard.Dns.Zone;

/// <summary>
/// Keeps the zone view current from the store: lists Services, EndpointSlices and Pods, publishes a first snapshot,
/// then follows one watch per kind from its list's revision. Each event updates the <see cref="ZoneState"/>
/// incrementally; a single publisher turns bursts of events into one snapshot swap. An expired watch relists its kind.
/// </summary>
internal sealed class StoreZoneFeed : IAsyncDisposable
{
    private static readonly ResourceKind[] Kinds = [ResourceKinds.Service, ResourceKinds.EndpointSlice, ResourceKinds.Pod];
    private readonly IResourceStore _store;
    private readonly ZoneState _state;
    private readonly ZoneView _view;
    private readonly Lock _lock = new();
    private readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public StoreZoneFeed(IResourceStore store, ZoneState state, ZoneView view)
    {
        _store = store;
        _state = state;
        _view = view;
    }

    /// <summary>Watch failures other than expiry (the feed retries after a second); for diagnostics.</summary>
    public int Failures;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var revisions = new long[Kinds.Length];
        for (var i = 0; i < Kinds.Length; i++) revisions[i] = await ListAsync(Kinds[i], cancellationToken).ConfigureAwait(false);
        lock (_lock) _view.Publish(_state.Publish());
        for (var i = 0; i < Kinds.Length; i++) _loops.Add(WatchLoopAsync(Kinds[i], revisions[i], _stop.Token));
        _loops.Add(PublishLoopAsync(_stop.Token));
    }

    private async Task<long> ListAsync(ResourceKind kind, CancellationToken cancellationToken)
    {
        var list = await _store.ListAsync(new ListQuery(kind), cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _state.Clear(kind.Type);
            foreach (var obj in list.Items) _state.Apply(obj, deleted: false);
        }
        return list.Revision;
    }

    private async Task WatchLoopAsync(ResourceKind kind, long revision, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                var expired = false;
                await foreach (var e in _store.WatchAsync(new WatchQuery(kind, FromRevision: revision), token).ConfigureAwait(false))
                {
                    if (e.Type == WatchEventType.Expired)
                    {
                        expired = true;
                        break;
                    }
                    if (e.Object is IKubernetesObject<V1ObjectMeta> obj)
                    {
                        lock (_lock) _state.Apply(obj, e.Type == WatchEventType.Deleted);
                        _dirty.Writer.TryWrite(true);
                    }
                    revision = e.Revision;
                }
                if (expired || !token.IsCancellationRequested)
                {
                    revision = await ListAsync(kind, token).ConfigureAwait(false);
                    _dirty.Writer.TryWrite(true);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                Interlocked.Increment(ref Failures);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                    revision = await ListAsync(kind, token).ConfigureAwait(false);
                    _dirty.Writer.TryWrite(true);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref Failures);
                }
            }
        }
    }

    private async Task PublishLoopAsync(CancellationToken token)
    {
        try
        {
            await foreach (var _ in _dirty.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                ZoneSnapshot snapshot;
                lock (_lock) snapshot = _state.Publish();
                _view.Publish(snapshot);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
