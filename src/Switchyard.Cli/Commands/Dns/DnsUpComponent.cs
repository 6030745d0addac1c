using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Switchyard.Cli.Commands.Up;
using Switchyard.Dns;

namespace Switchyard.Cli.Commands.Dns;

/// <summary>The cluster DNS server inside <c>switchyard up</c>: serves the zone live from the control plane's store.</summary>
internal sealed class DnsUpComponent(DnsOptions options) : IUpComponent
{
    private DnsComponent? _dns;

    public string Name => "dns";

    /// <summary>The address the server listens on, once it started (the real port when the option said 0).</summary>
    public string? Address => _dns is { } dns && dns.IsStarted ? dns.Endpoint.ToString() : null;

    public ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken)
    {
        var dns = _dns = DnsComponent.FromStore(options, context.Store);
        context.HostedServices.Add(new Hosted(dns, options.Listen));
        context.Summary.Add(("DNS", () => $"{options.Listen} udp+tcp, zone {options.Zone.Zone}"));
        return ValueTask.CompletedTask;
    }

    private sealed class Hosted(DnsComponent dns, IPEndPoint listen) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await dns.StartAsync(cancellationToken);
            }
            catch (SocketException e)
            {
                // What had started (the zone feed) stops with it; the flag named the address, so the failure is the user's to fix.
                await dns.DisposeAsync();
                throw new UpComponentException($"--dns {listen}: cannot listen: {e.Message}", e);
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await dns.DisposeAsync();
    }
}
