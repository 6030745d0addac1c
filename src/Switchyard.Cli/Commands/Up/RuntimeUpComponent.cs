using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchyard.Runtime;

namespace Switchyard.Cli.Commands.Up;

/// <summary>
/// The local runtime inside <c>switchyard up</c>: runs Pods as processes on their own loopback IPs (see
/// docs/components/runtime.md). It starts with the API server, kills processes an earlier <c>up</c> left
/// behind, and when <c>up</c> stops it stops every pod (preStop, SIGTERM, SIGKILL after the grace period,
/// all within <see cref="RuntimeOptions.ShutdownTimeout"/>) without deleting them, so the next <c>up</c> on
/// the same state directory runs them again.
/// </summary>
/// <param name="dnsAddress">The cluster DNS address for <c>SWITCHYARD_DNS</c>, asked when the runtime starts (after the DNS server bound its port); null: none.</param>
internal sealed class RuntimeUpComponent(Func<string?> dnsAddress, ILoggerFactory? loggerFactory = null) : IUpComponent
{
    public string Name => "runtime";

    public ValueTask ConfigureAsync(UpComponentContext context, CancellationToken cancellationToken)
    {
        var options = new RuntimeOptions
        {
            StateDirectory = context.Settings.StateDirectory,
            // The CLI's own directory holds the `switchyard` app host: pods can run `switchyard demo-app`.
            PathPrefix = [Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)],
        };
        context.HostedServices.Add(new Hosted(context.Store, options, dnsAddress, loggerFactory));
        context.Summary.Add(("Runtime", () => $"pods as local processes on {options.PodCidr}, node \"{options.NodeName}\", logs in {Runtime.Pods.PodDirectories.Root(options.StateDirectory)}"));
        return ValueTask.CompletedTask;
    }

    private sealed class Hosted(Store.IResourceStore store, RuntimeOptions options, Func<string?> dnsAddress, ILoggerFactory? given) : IHostedService
    {
        private readonly CancellationTokenSource _stop = new();
        private ILoggerFactory? _owned;
        private PodRuntime? _runtime;
        private Task _run = Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var loggers = given ?? (_owned = UpConsoleLogs.Create(LogLevel.Information));
            _runtime = new PodRuntime(store, options with { DnsAddress = dnsAddress() }, loggers);
            _run = Task.Run(() => _runtime.RunAsync(_stop.Token), CancellationToken.None);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _stop.CancelAsync();
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
            }
            // The runtime's own shutdown budget bounds this; the host's shorter stop timeout must not leave processes running.
            if (_runtime is not null) await _runtime.DisposeAsync();
            _owned?.Dispose();
            _stop.Dispose();
        }
    }
}
