using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Store;
using Switchyard.Store.Watching;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Keeps the proxy current from the store: one informer per kind the proxy reads; compiles once all are listed,
/// then recompiles after each burst of changes, at the highest revision the informers have seen. Status written
/// back by the compile is skipped when unchanged, so the feed's own writes settle after one round.
/// </summary>
internal sealed class StoreProxyFeed : IAsyncDisposable
{
    private static readonly ResourceKind[] Kinds =
    [
        ResourceKinds.GatewayClass, ResourceKinds.Gateway, ResourceKinds.ListenerSet, ResourceKinds.HTTPRoute, ResourceKinds.GRPCRoute, ResourceKinds.TLSRoute, ResourceKinds.TCPRoute, ResourceKinds.UDPRoute, ResourceKinds.ReferenceGrant, ResourceKinds.Ingress,
        ResourceKinds.IngressClass, ResourceKinds.Service, ResourceKinds.EndpointSlice, ResourceKinds.Secret, ResourceKinds.Namespace,
        ResourceKinds.HTTPTrafficFilter, ResourceKinds.BackendTLSPolicy, ResourceKinds.ConfigMap,
    ];
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);
    private readonly IResourceStore _store;
    private readonly Func<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, long, Task> _apply;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Informer[] _informers;
    private readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public StoreProxyFeed(IResourceStore store, Func<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, long, Task> apply, TimeProvider? time = null, ILogger? logger = null)
    {
        _store = store;
        _apply = apply;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _informers = [.. Kinds.Select(k => new Informer(k, null, (_, _) => MarkDirty(), _time, _logger))];
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var token = _stop.Token;
        var informers = _informers.Select(i => i.RunAsync(_store, token)).ToArray();
        _running = Task.WhenAll(informers);
        await Task.WhenAll(_informers.Select(i => i.Synced)).WaitAsync(cancellationToken).ConfigureAwait(false);
        // The first compile covers everything listed so far; only changes after this point need another.
        _dirty.Reader.TryRead(out _);
        await ApplyAsync().ConfigureAwait(false);
        _running = Task.WhenAll([.. informers, LoopAsync(token)]);
    }

    private void MarkDirty() => _dirty.Writer.TryWrite(true);

    private Task ApplyAsync()
    {
        var revision = _informers.Max(i => i.Revision);
        var all = _informers.SelectMany(i => i.ListAll()).ToList();
        return _apply(all, revision);
    }

    private async Task LoopAsync(CancellationToken token)
    {
        try
        {
            while (await _dirty.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                // Let a burst of changes (a manifest applied, a rollout) land before compiling once.
                await Task.Delay(Settle, _time, token).ConfigureAwait(false);
                _dirty.Reader.TryRead(out _);
                try
                {
                    await ApplyAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    _logger.LogWarning(e, "proxy: applying store changes failed; retrying in {Delay}", RetryAfterFailure);
                    await Task.Delay(RetryAfterFailure, _time, token).ConfigureAwait(false);
                    MarkDirty();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_running is not null)
        {
            try
            {
                await _running.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }
}
