using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Cli.Commands.Up;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Cli.Tests.Commands.Rollout;

/// <summary>
/// A real control plane with the controllers (Deployment included) but no pod runtime, so tests play
/// the runtime: they write pod readiness into the store themselves.
/// </summary>
public sealed class DeploymentClusterFixture : IAsyncLifetime
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "sy-cli-rollout-" + Guid.NewGuid().ToString("N")[..12]);
    private RunningCluster? _cluster;

    public string Url => _cluster!.Server.Url.GetLeftPart(UriPartial.Authority);
    public string Token => _cluster!.Server.Token;
    internal IResourceStore Store => _cluster!.Store;

    public async Task InitializeAsync()
    {
        _cluster = await ClusterComposition.StartAsync(
            new UpSettings(_stateDir, InMemory: true, new IPEndPoint(IPAddress.Loopback, 0)),
            [new ClusterIpComponent(), new ControllersComponent()], NullLoggerFactory.Instance, CancellationToken.None);
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

    public Task<CliRun> RunAsync(CliRunner cli, params string[] args) => cli.RunAsync([.. args, "--server", Url, "--token", Token]);

    public Task<CliRun> RunAsync(CliRunner cli, StringWriter output, CancellationToken ct, params string[] args) =>
        cli.RunAsync([.. args, "--server", Url, "--token", Token], ct, output);

    public async Task<V1Deployment> DeploymentAsync(string ns, string name) =>
        (V1Deployment)(await Store.GetAsync(new ObjectRef(ResourceKinds.Deployment, ns, name)))!;

    public async Task<List<V1Pod>> PodsAsync(string ns) =>
        (await Store.ListAsync(new ListQuery(ResourceKinds.Pod, ns))).Items.OfType<V1Pod>().ToList();

    /// <summary>Plays the pod runtime in one namespace until cancelled: new pods become ready, terminating ones go away.</summary>
    public Task RunFakeRuntimeAsync(string ns, CancellationToken ct) => Task.Run(async () =>
    {
        var ip = 0;
        while (!ct.IsCancellationRequested)
        {
            foreach (var pod in await PodsAsync(ns))
            {
                if (pod.Metadata.DeletionTimestamp is not null)
                {
                    await Store.DeleteAsync(ObjectRef.Of(pod));
                }
                else if (pod.Status is null)
                {
                    ip++;
                    pod.Spec.NodeName = "local";
                    pod.Status = new V1PodStatus
                    {
                        Phase = "Running",
                        PodIP = $"127.65.0.{ip % 250 + 1}",
                        Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow }],
                    };
                    await Store.UpdateAsync(pod);
                }
            }
            try
            {
                await Task.Delay(20, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }, CancellationToken.None);

    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = await read();
            if (condition(value)) return value;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}
