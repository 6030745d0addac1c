using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Keeps the proxy current from the store: lists every kind the proxy reads, compiles, then recompiles after each
/// burst of changes (one watch over all kinds). Status written back by the compile is skipped when unchanged, so
/// the feed's own writes settle after one round.
/// </summary>
internal sealed class StoreProxyFeed(IResourceStore store, Func<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, long, Task> apply) : IAsyncDisposable
{
    private static readonly ResourceKind[] Kinds =
    [
        ResourceKinds.GatewayClass, ResourceKinds.Gateway, ResourceKinds.HTTPRoute, ResourceKinds.ReferenceGrant, ResourceKinds.Ingress,
        ResourceKinds.IngressClass, ResourceKinds.Service, ResourceKinds.EndpointSlice, ResourceKinds.Secret, ResourceKinds.Namespace,
    ];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var revision = await ReloadAsync(cancellationToken).ConfigureAwait(false);
        _loop = LoopAsync(revision, _stop.Token);
    }

    private async Task<long> ReloadAsync(CancellationToken cancellationToken)
    {
        var all = new List<IKubernetesObject<V1ObjectMeta>>();
        long revision = 0;
        foreach (var kind in Kinds)
        {
            var list = await store.ListAsync(new ListQuery(kind), cancellationToken).ConfigureAwait(false);
            all.AddRange(list.Items);
            revision = Math.Max(revision, list.Revision);
        }
        await apply(all, revision).ConfigureAwait(false);
        return revision;
    }

    private async Task LoopAsync(long revision, CancellationToken token)
    {
        var relevant = Kinds.ToHashSet();
        while (!token.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in store.WatchAsync(new WatchQuery(null, FromRevision: revision), token).ConfigureAwait(false))
                {
                    revision = e.Revision;
                    if (e.Type == Store.WatchEventType.Expired || (e.Object is { } o && relevant.Contains(ResourceKinds.Of(o))))
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(50), token).ConfigureAwait(false);
                        revision = await ReloadAsync(token).ConfigureAwait(false);
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                    revision = await ReloadAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }
}
