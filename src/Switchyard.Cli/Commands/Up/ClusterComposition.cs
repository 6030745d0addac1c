using Microsoft.Extensions.Logging;
using Switchyard.Cli.Commands.Dns;
using Switchyard.Control;
using Switchyard.Dns;
using Switchyard.Proxy;
using Switchyard.Store;
using Switchyard.Store.Memory;
using Switchyard.Store.Sqlite;

namespace Switchyard.Cli.Commands.Up;

/// <summary>
/// What <c>switchyard up</c> runs, wired together: the store, the components (in order), and the API
/// server that serves the store and runs the components' loops. To add a component, add it to
/// <see cref="DefaultComponents"/>.
/// </summary>
internal static class ClusterComposition
{
    /// <summary>
    /// The components of a local cluster, in the order they are configured; DNS unless <paramref name="dns"/> is null; the
    /// gateway with <paramref name="gateway"/> (from up's gateway flags), or the defaults (Gateways only, no admin address, no Ingress).
    /// </summary>
    public static IReadOnlyList<IUpComponent> DefaultComponents(DnsOptions? dns, ProxyOptions? gateway = null)
    {
        var components = new List<IUpComponent> { new ClusterIpComponent(), new ControllersComponent() };
        DnsUpComponent? dnsComponent = dns is null ? null : new DnsUpComponent(dns);
        if (dnsComponent is not null) components.Add(dnsComponent);
        // The gateway starts before the runtime: an address its flags name that cannot be bound stops up before any pod runs.
        components.Add(new GatewayUpComponent(gateway));
        // The runtime starts after the DNS server, so pods learn the port it really bound.
        components.Add(new RuntimeUpComponent(() => dnsComponent?.Address));
        components.Add(new NodeProxyUpComponent());
        return components;
    }

    public static async Task<RunningCluster> StartAsync(
        UpSettings settings, IReadOnlyList<IUpComponent> components, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        IResourceStore store = settings.InMemory ? new InMemoryResourceStore() : SqliteResourceStore.Open(settings.StateDirectory);
        try
        {
            var context = new UpComponentContext(store, settings);
            foreach (var component in components) await component.ConfigureAsync(context, cancellationToken);
            var server = await ControlPlaneServer.StartAsync(store, new ControlPlaneOptions
            {
                Listen = settings.Listen,
                StateDirectory = settings.StateDirectory,
                AdmissionPlugins = context.AdmissionPlugins,
                BackgroundLoops = context.BackgroundLoops,
                HostedServices = context.HostedServices,
                LoggerFactory = loggerFactory,
            }, cancellationToken);
            return new RunningCluster(server, store, settings, [.. context.Summary.Select(line => (line.Label, line.Value()))]);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }
}

/// <summary>A started control plane and the store it owns; disposing stops the server, then closes the store.</summary>
internal sealed class RunningCluster(ControlPlaneServer server, IResourceStore store, UpSettings settings, IReadOnlyList<(string Label, string Value)> summary) : IAsyncDisposable
{
    public ControlPlaneServer Server { get; } = server;
    public IResourceStore Store { get; } = store;
    public UpSettings Settings { get; } = settings;
    public IReadOnlyList<(string Label, string Value)> Summary { get; } = summary;

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Store.DisposeAsync();
    }
}
