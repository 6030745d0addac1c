using Switchyard.Control.Admission;
using Switchyard.Control.Controllers;
using Switchyard.Control.Controllers.EndpointSlices;

namespace Switchyard.Cli.Commands.Up;

/// <summary>ClusterIP allocation for Services, from the default service CIDR, seeded with the addresses already in the store.</summary>
internal sealed class ClusterIpComponent : IUpComponent
{
    public string Name => "cluster-ip";

    public async ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken)
    {
        var network = new ClusterNetworkOptions();
        var allocator = new ClusterIpAllocator(network);
        await allocator.InitializeAsync(context.Store, cancellationToken);
        context.AdmissionPlugins.Add(allocator);
        context.Summary.Add(("Service CIDR", () => string.Join(", ", network.ServiceCidrs)));
    }
}

/// <summary>The controllers that keep derived objects (EndpointSlices) in step with what users declare.</summary>
internal sealed class ControllersComponent : IUpComponent
{
    public string Name => "controllers";

    public ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken)
    {
        var host = new ControllerHost([new EndpointSliceController(), new Switchyard.Control.Controllers.Deployments.DeploymentController()]);
        context.BackgroundLoops.Add(host.AsBackgroundLoop());
        context.Summary.Add(("Controllers", () => string.Join(", ", host.Controllers.Select(c => c.Name))));
        return ValueTask.CompletedTask;
    }
}
