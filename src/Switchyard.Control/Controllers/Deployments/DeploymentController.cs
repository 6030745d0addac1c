using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Store;
using Switchyard.Store.Watching;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>
/// Runs Deployments as Kubernetes' deployment controller does, without ReplicaSets: the Deployment owns
/// its pods directly (named and labelled by pod-template-hash) and its revision history ConfigMap. It
/// watches Deployments and Pods; any change enqueues the Deployment concerned in a coalescing work
/// queue; a worker then runs one <see cref="DeploymentSync"/> from fresh store reads. Failed syncs are
/// retried with back-off; time-driven steps (minReadySeconds, the progress deadline) are scheduled.
/// </summary>
public sealed class DeploymentController : IController
{
    private readonly DeploymentOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;

    public DeploymentController(DeploymentOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, Random? random = null)
    {
        _options = options ?? new DeploymentOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _random = random ?? Random.Shared;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<DeploymentController>();
    }

    public string Name => "deployment";

    public async Task RunAsync(IResourceStore store, CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue<DeploymentKey>(_time, _options.RetryBaseDelay, _options.RetryMaxDelay);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var deployments = new Informer(ResourceKinds.Deployment, null, (o, n) => queue.Add(DeploymentKey.Of(n ?? o!)), _time, _logger);
        var pods = new Informer(ResourceKinds.Pod, null, (o, n) => OnPodChanged(queue, o as V1Pod, n as V1Pod), _time, _logger);
        var sync = new DeploymentSync(store, _options, _time, _random, _logger);

        var informers = new[] { deployments, pods }.Select(i => i.RunAsync(store, stop.Token)).ToList();
        try
        {
            await Task.WhenAll(deployments.Synced, pods.Synced).WaitAsync(stop.Token);
            foreach (var d in deployments.ListAll()) queue.Add(DeploymentKey.Of(d));
            foreach (var p in pods.ListAll().OfType<V1Pod>()) OnPodChanged(queue, null, p);
            _logger.LogInformation("deployment controller synced: {Deployments} deployments", deployments.ListAll().Count);

            var workers = Enumerable.Range(0, _options.Workers).Select(_ => queue.RunWorkerAsync(
                (key, ct) => sync.SyncAsync(key.Namespace, key.Name, ct),
                (key, e, delay) => _logger.LogWarning(e, "syncing Deployment {Deployment} failed; retrying in {Delay}", key, delay),
                stop.Token)).ToList();
            await Task.WhenAny(workers.Concat(informers));
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("a deployment worker or watch stopped unexpectedly");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(informers).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>A pod change concerns the Deployment that controls it (before or after the change).</summary>
    private static void OnPodChanged(WorkQueue<DeploymentKey> queue, V1Pod? old, V1Pod? now)
    {
        foreach (var pod in new[] { old, now })
        {
            if (pod is not null && PodConditions.DeploymentOf(pod) is { } name)
            {
                queue.Add(new DeploymentKey(pod.Metadata.NamespaceProperty ?? "", name));
            }
        }
    }

    private readonly record struct DeploymentKey(string Namespace, string Name)
    {
        public static DeploymentKey Of(k8s.IKubernetesObject<V1ObjectMeta> obj) => new(obj.Metadata?.NamespaceProperty ?? "", obj.Metadata?.Name ?? "");

        public override string ToString() => $"{Namespace}/{Name}";
    }
}
