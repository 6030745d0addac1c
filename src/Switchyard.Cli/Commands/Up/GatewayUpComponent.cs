using Microsoft.Extensions.Hosting;
using Switchyard.Proxy;

namespace Switchyard.Cli.Commands.Up;

/// <summary>
/// The Gateway API and Ingress proxy inside <c>switchyard up</c>: follows the store's Gateways, ListenerSets, HTTPRoutes,
/// GRPCRoutes, TLSRoutes, Ingresses, Services and EndpointSlices, binds each Gateway's listeners, and writes Gateway, ListenerSet and route status back.
/// </summary>
internal sealed class GatewayUpComponent(ProxyOptions? options = null) : IUpComponent
{
    private readonly ProxyOptions _options = options ?? new ProxyOptions();

    public string Name => "gateway";

    public ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken)
    {
        var proxy = GatewayProxy.FromStore(_options, context.Store);
        context.HostedServices.Add(new Hosted(proxy));
        var summary = "Gateways of controller switchyard.dev/gateway-controller";
        if (_options.IngressHttp is { } ingress) summary += $"; Ingress on http://{ingress}";
        if (_options.IngressHttps is { } secure) summary += $"; Ingress on https://{secure}";
        if (_options.Admin is { } admin) summary += $"; admin http://{admin}/metrics";
        context.Summary.Add(("Gateway", summary));
        return ValueTask.CompletedTask;
    }

    private sealed class Hosted(GatewayProxy proxy) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => proxy.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken) => await proxy.DisposeAsync();
    }
}
