using Microsoft.Extensions.Hosting;
using Switchyard.Store;

namespace Switchyard.Control.Controllers;

/// <summary>Adapts a <see cref="ControllerHost"/> to the generic host: starts on StartAsync, stops on StopAsync.</summary>
internal sealed class ControllerHostedService(ControllerHost host, IResourceStore store) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => host.RunAsync(store, stoppingToken);
}
