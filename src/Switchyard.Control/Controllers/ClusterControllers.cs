using Microsoft.Extensions.Logging;
using Switchyard.Control.Admission;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Control.Controllers.EndpointSlices;
using Switchyard.Store;

namespace Switchyard.Control.Controllers;

/// <summary>
/// The cluster's standard admission plugin and control loops, ready to hand to the control plane:
/// put <see cref="Allocator"/> in its admission plugins and <see cref="Host"/>'s
/// <see cref="ControllerHost.AsBackgroundLoop"/> in its background loops.
/// </summary>
public sealed record ClusterControllers(ClusterIpAllocator Allocator, ControllerHost Host)
{
    /// <summary>
    /// Builds the ClusterIP allocator (reservations loaded from <paramref name="store"/>), the
    /// EndpointSlice controller and the ClusterIP repair loop. Invalid options throw, listing every problem.
    /// </summary>
    public static async Task<ClusterControllers> CreateAsync(
        IResourceStore store,
        ClusterNetworkOptions? network = null,
        EndpointSliceOptions? endpointSlices = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        var allocator = new ClusterIpAllocator(network ?? new ClusterNetworkOptions(), logger: loggerFactory?.CreateLogger<ClusterIpAllocator>());
        await allocator.InitializeAsync(store, cancellationToken);
        var host = new ControllerHost(
            [
                new EndpointSliceController(endpointSlices, timeProvider, loggerFactory),
                new DeploymentController(timeProvider: timeProvider, loggerFactory: loggerFactory),
                new ClusterIpRepairController(allocator, timeProvider, loggerFactory),
            ],
            timeProvider: timeProvider,
            loggerFactory: loggerFactory);
        return new ClusterControllers(allocator, host);
    }
}
