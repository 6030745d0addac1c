using Microsoft.Extensions.Hosting;
using Switchyard.Proxy.NodeProxy;

namespace Switchyard.Cli.Commands.Up;

/// <summary>
/// The node proxy inside <c>switchyard up</c>: makes every Service's cluster IP answer on loopback by
/// forwarding connections to the Service's ready endpoints (kube-proxy's job, without root).
/// </summary>
internal sealed class NodeProxyUpComponent(NodeProxyOptions? options = null) : IUpComponent
{
    public string Name => "node-proxy";

    public ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken)
    {
        var proxy = new NodeProxyServer(context.Store, options);
        context.HostedServices.Add(new Hosted(proxy));
        context.Summary.Add(("Node proxy", () => "TCP on every loopback cluster IP (127.0.0.0/8)"));
        return ValueTask.CompletedTask;
    }

    private sealed class Hosted(NodeProxyServer proxy) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => proxy.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken) => await proxy.DisposeAsync();
    }
}
