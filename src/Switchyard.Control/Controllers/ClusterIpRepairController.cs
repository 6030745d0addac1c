using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Control.Admission;
using Switchyard.Model.Resources;
using Switchyard.Store;
using WatchEventType = Switchyard.Store.WatchEventType;

namespace Switchyard.Control.Controllers;

/// <summary>
/// Frees the cluster IPs of Services deleted without passing through admission (a direct store
/// write, a cascade): at start (and whenever the watch expires) it compares the reservations with a
/// list of Services, then it watches Service deletions from that list's revision. Deletes made through
/// the API are already released by <see cref="ClusterIpAllocator.Completed"/>; releasing twice is harmless.
/// </summary>
public sealed class ClusterIpRepairController : IController
{
    private readonly ClusterIpAllocator _allocator;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ClusterIpRepairController(ClusterIpAllocator allocator, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _allocator = allocator;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ClusterIpRepairController>();
    }

    public string Name => "clusterip-repair";

    public async Task RunAsync(IResourceStore store, CancellationToken cancellationToken)
    {
        var revision = await _allocator.RepairAsync(store, cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            var expired = false;
            await foreach (var e in store.WatchAsync(new WatchQuery(ResourceKinds.Service, FromRevision: revision), cancellationToken))
            {
                if (e.Type == WatchEventType.Expired)
                {
                    _logger.LogWarning("Service watch expired at revision {Revision}; repairing from a fresh list", revision);
                    revision = await _allocator.RepairAsync(store, cancellationToken);
                    expired = true;
                    break;
                }
                revision = e.Revision;
                if (e.Type == WatchEventType.Deleted && e.Object is V1Service gone)
                {
                    var key = ObjectRef.Of(gone);
                    await _allocator.ReleaseDeletedAsync(gone, async ct => await store.GetAsync(key, ct) as V1Service, cancellationToken);
                }
            }
            // The store closed the stream: resume from the last revision after a short pause.
            if (!expired) await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken);
        }
    }
}
