using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Store;
using Switchyard.Store.Watching;

namespace Switchyard.Dns.Zone;

/// <summary>
/// Keeps the zone view current from the store: one informer each for Services, EndpointSlices and Pods. Once all
/// three are listed it publishes a first snapshot; after that every change updates the <see cref="ZoneState"/>
/// incrementally and a single publisher turns bursts of changes into one snapshot swap.
/// </summary>
internal sealed class StoreZoneFeed : IAsyncDisposable
{
    private static readonly ResourceKind[] Kinds = [ResourceKinds.Service, ResourceKinds.EndpointSlice, ResourceKinds.Pod];
    private readonly IResourceStore _store;
    private readonly ZoneState _state;
    private readonly ZoneView _view;
    private readonly Informer[] _informers;
    private readonly Lock _lock = new();
    private readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    public StoreZoneFeed(IResourceStore store, ZoneState state, ZoneView view, TimeProvider? time = null, ILogger? logger = null)
    {
        _store = store;
        _state = state;
        _view = view;
        _informers = [.. Kinds.Select(k => new Informer(k, null, OnChanged, time ?? TimeProvider.System, logger ?? NullLogger.Instance))];
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var informer in _informers) _loops.Add(informer.RunAsync(_store, _stop.Token));
        await Task.WhenAll(_informers.Select(i => i.Synced)).WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            // The first snapshot covers every change so far; only later ones need another publish.
            _dirty.Reader.TryRead(out _);
            _view.Publish(_state.Publish());
        }
        _loops.Add(PublishLoopAsync(_stop.Token));
    }

    private void OnChanged(IKubernetesObject<V1ObjectMeta>? old, IKubernetesObject<V1ObjectMeta>? now)
    {
        lock (_lock)
        {
            if (now is not null) _state.Apply(now, deleted: false);
            else if (old is not null) _state.Apply(old, deleted: true);
            _dirty.Writer.TryWrite(true);
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
