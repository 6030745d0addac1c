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
        context.HostedServices.Add(new Hosted(dns));
        context.Summary.Add(("DNS", () => $"{options.Listen} udp+tcp, zone {options.Zone.Zone}"));
        return ValueTask.CompletedTask;
    }

    private sealed class Hosted(DnsComponent dns) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => dns.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken) => await dns.DisposeAsync();
    }
}
