using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Cli.Commands.Up;

namespace Switchyard.Cli.Tests.EndToEnd;

/// <summary>A real control plane (in-memory store, controllers, API server on 127.0.0.1:0), composed as `up` composes it.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "sy-cli-cluster-" + Guid.NewGuid().ToString("N")[..12]);
    private RunningCluster? _cluster;

    public string Url => _cluster!.Server.Url.GetLeftPart(UriPartial.Authority);
    public string Token => _cluster!.Server.Token;

    public async Task InitializeAsync()
    {
        _cluster = await ClusterComposition.StartAsync(
            new UpSettings(_stateDir, InMemory: true, new IPEndPoint(IPAddress.Loopback, 0)),
            ClusterComposition.DefaultComponents(dns: null), NullLoggerFactory.Instance, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_stateDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs the CLI against this cluster (--server and --token added).</summary>
    public Task<CliRun> RunAsync(CliRunner cli, params string[] args) => cli.RunAsync([.. args, "--server", Url, "--token", Token]);
}
