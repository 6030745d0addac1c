using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchyard.Cli.Commands.Gateway;
using Switchyard.Proxy;

namespace Switchyard.Cli.Commands.Up;

/// <summary>
/// The Gateway API and Ingress proxy inside <c>switchyard up</c>: follows the store's Gateways, ListenerSets, HTTPRoutes,
/// GRPCRoutes, TLSRoutes, TCPRoutes, UDPRoutes, Ingresses, Services and EndpointSlices, binds each Gateway's listeners, and writes Gateway, ListenerSet and route status back.
/// <paramref name="options"/> come from up's gateway flags (<see cref="GatewayFlags.ForUp"/>): the Ingress listeners, the admin
/// address, the access log, the I/O model, the timeouts. If the admin address or an Ingress listener cannot be bound, the
/// component fails to start, naming the flag, and <c>up</c> stops. The proxy's warnings (a Secret or Service an object
/// names that is missing, a session key Secret that is invalid...) and errors are logged on the console as they appear,
/// to <paramref name="loggerFactory"/> when given.
/// </summary>
internal sealed class GatewayUpComponent(ProxyOptions? options = null, ILoggerFactory? loggerFactory = null) : IUpComponent
{
    private readonly ProxyOptions _options = options ?? new ProxyOptions();

    public string Name => "gateway";

    public ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken)
    {
        var owned = loggerFactory is null ? UpConsoleLogs.Create(LogLevel.Warning) : null;
        var proxy = GatewayProxy.FromStore(_options, context.Store, loggers: loggerFactory ?? owned);
        context.HostedServices.Add(new Hosted(proxy, _options, owned));
        context.Summary.Add(("Gateway", () => Summary(proxy)));
        return ValueTask.CompletedTask;
    }

    /// <summary>What is served, with the addresses really bound: "Gateways of controller ...; Ingress on http://127.0.0.1:8080; admin http://127.0.0.1:9901/metrics".</summary>
    private string Summary(GatewayProxy proxy)
    {
        var bound = proxy.Listeners;
        var parts = new List<string> { "Gateways of controller switchyard.dev/gateway-controller" };
        var ingressExtras = (_options.IngressProxyProtocol ? ", PROXY protocol first" : "")
            + (_options.IngressXForwardedForTrustedCidrs.Count > 0 ? $", client from X-Forwarded-For via {string.Join(", ", _options.IngressXForwardedForTrustedCidrs)}" : "");
        if (_options.IngressHttp is { } http) parts.Add($"Ingress on http://{bound.GetValueOrDefault(http, http)}{ingressExtras}");
        if (_options.IngressHttps is { } https) parts.Add($"Ingress on https://{bound.GetValueOrDefault(https, https)}{ingressExtras}");
        if (proxy.AdminUrl is { } url) parts.Add($"admin {url}metrics");
        else if (_options.Admin is { } admin) parts.Add($"admin http://{admin}/metrics");
        if (_options.AccessLog is not null) parts.Add("access log on stderr");
        if (_options.Io == ProxyIo.ThreadPool) parts.Add("I/O on the thread pool");
        return string.Join("; ", parts);
    }

    private sealed class Hosted(GatewayProxy proxy, ProxyOptions options, ILoggerFactory? ownedLoggers) : IHostedService
    {
        private int _disposed;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await proxy.StartAsync(cancellationToken);
            }
            catch (Exception e)
            {
                await DisposeAsync(); // whatever failed (a bind, a cancelled start), nothing of the proxy stays running
                // Listener binds that fail are warnings, not exceptions: a socket error here is the admin address's.
                if (e is IOException or SocketException && options.Admin is not null)
                    throw new UpComponentException($"{GatewayFlags.UpAdmin} {options.Admin}: cannot listen: {BindFailure.Reason(e)}", e);
                throw;
            }
            // Ingress listeners that cannot bind are only warnings to the proxy (a Gateway's are reported in its status);
            // the flags asked for these addresses, so not serving them is a failure.
            var problems = new List<string>();
            Unbound(options.IngressHttp, "--ingress-http", problems);
            Unbound(options.IngressHttps, "--ingress-https", problems);
            if (problems.Count == 0) return;
            await DisposeAsync();
            throw new UpComponentException(string.Join("\n", problems));
        }

        private void Unbound(IPEndPoint? address, string flag, List<string> problems)
        {
            if (address is null || proxy.Listeners.ContainsKey(address)) return;
            var why = proxy.Warnings.FirstOrDefault(w => w.Contains($"cannot listen on {address}:", StringComparison.Ordinal)) is { } warning
                ? warning[(warning.IndexOf("cannot listen on", StringComparison.Ordinal) + $"cannot listen on {address}: ".Length)..]
                : "not bound";
            problems.Add($"{flag} {address}: cannot listen: {why}");
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

        /// <summary>Once: a start that failed already disposed the proxy, and the host may still stop it.</summary>
        private async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            await proxy.DisposeAsync();
            ownedLoggers?.Dispose();
        }
    }
}
