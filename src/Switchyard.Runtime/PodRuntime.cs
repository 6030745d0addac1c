using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Runtime.Environment;
using Switchyard.Runtime.Network;
using Switchyard.Runtime.Pods;
using Switchyard.Runtime.Probes;
using Switchyard.Runtime.Processes;
using Switchyard.Store;
using Switchyard.Store.Watching;

namespace Switchyard.Runtime;

/// <summary>
/// The node agent of a local cluster (Switchyard's kubelet): watches Pods in the store and runs those bound
/// to its node (or not bound yet, which it binds) as local processes, each pod on its own IP from the pod
/// range. It writes each pod's status back through the store; it stops the containers of a pod that is
/// being deleted and then removes the object; and when the runtime stops (the end of <c>up</c>) it stops
/// every pod the same way without deleting objects, so the next start runs them again. Pod IPs are
/// recorded in the pods' status only: on start the runtime re-reserves what the store says.
/// </summary>
public sealed class PodRuntime : IAsyncDisposable
{
    private readonly IResourceStore _store;
    private readonly RuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly PodIpAllocator _ips;
    private readonly ContainerEnvironment _environment;
    private readonly ProbeChecker _checker = new();
    private readonly Lock _lock = new();
    private readonly Lock _reconcileLock = new(); // store changes are applied one at a time
    private readonly Dictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly List<Task> _background = [];
    private bool _stopped;

    public PodRuntime(IResourceStore store, RuntimeOptions options, ILoggerFactory? loggerFactory = null)
    {
        options = options with { };
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid runtime options: " + string.Join("; ", problems), nameof(options));
        if (!Ipv4Range.TryParse(options.PodCidr, out var range, out var cidrError)) throw new ArgumentException(cidrError, nameof(options));
        _store = store;
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Switchyard.Runtime");
        _ips = new PodIpAllocator(range!);
        _environment = new ContainerEnvironment(store, options);
    }

    public RuntimeOptions Options => _options;

    /// <summary>The directory that holds one directory per pod.</summary>
    public string PodsDirectory => PodDirectories.Root(_options.StateDirectory);

    /// <summary>The pids of the running containers of a pod (by uid), for diagnostics and tests.</summary>
    public IReadOnlyDictionary<string, int> ContainerPids(string podUid)
    {
        lock (_lock)
        {
            if (!_workers.TryGetValue(podUid, out var worker)) return new Dictionary<string, int>();
            return worker.Containers.Where(c => c.Pid is not null).ToDictionary(c => c.Name, c => c.Pid!.Value);
        }
    }

    /// <summary>
    /// Kills leftovers of an earlier runtime, then follows the store until cancelled. Cancelling does not stop
    /// the pods: call <see cref="StopAsync"/> for that (what <c>up</c> does when it shuts down).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(PodsDirectory);
        var reaped = LeftoverReaper.ReapAll(PodsDirectory, _logger);
        if (reaped > 0) _logger.LogWarning("killed {Count} container process groups left by an earlier runtime", reaped);
        var waiting = new List<V1Pod>(); // pods of the first list without a recorded IP: started once every recorded IP is reserved
        Informer? pods = null;
        pods = new Informer(ResourceKinds.Pod, null, (old, current) =>
        {
            lock (_reconcileLock)
            {
                if (current is V1Pod pod)
                {
                    if (!Ours(pod)) return;
                    if (pods!.Synced.IsCompleted) Reconcile(pod);
                    else if (_ips.TryReserve(pod.Metadata.Uid, pod.Status?.PodIP)) Reconcile(pod);
                    else waiting.Add(pod);
                }
                else if (old is V1Pod gone && Ours(gone))
                {
                    Removed(gone);
                }
            }
        }, _options.TimeProvider, _logger);
        var run = pods.RunAsync(_store, cancellationToken);
        await Task.WhenAny(pods.Synced, run);
        lock (_reconcileLock)
        {
            foreach (var pod in waiting)
            {
                if (pods.Get(pod.Metadata.NamespaceProperty, pod.Metadata.Name) is V1Pod latest && latest.Metadata.Uid == pod.Metadata.Uid) Reconcile(latest);
            }
            waiting.Clear();
        }
        await run;
    }

    /// <summary>
    /// Stops every pod as a deletion would (preStop, SIGTERM, SIGKILL after the grace period), without deleting
    /// the objects, all within <see cref="RuntimeOptions.ShutdownTimeout"/> (or until <paramref name="cancellationToken"/>
    /// fires); whatever still runs then is killed. Idempotent.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        List<PodWorker> workers;
        lock (_lock)
        {
            if (_stopped) return;
            _stopped = true;
            workers = [.. _workers.Values];
        }
        using var force = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        force.CancelAfter(_options.ShutdownTimeout);
        if (workers.Count > 0) _logger.LogInformation("stopping {Count} pods", workers.Count);
        try
        {
            await Task.WhenAll(workers.Select(w => w.TerminateAsync(deleteObject: w.Context.Pod.Metadata.DeletionTimestamp is not null, force.Token)))
                .WaitAsync(force.Token);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("pods did not stop within the shutdown timeout; killing what is left");
        }
        finally
        {
            foreach (var w in workers) w.KillNow();
        }
        foreach (var w in workers) await w.DisposeAsync();
        Task[] background;
        lock (_lock) background = [.. _background];
        await Task.WhenAll(background).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _checker.Dispose();
    }

    private bool Ours(V1Pod pod) => string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Spec.NodeName == _options.NodeName;

    private void Reconcile(V1Pod pod)
    {
        var uid = pod.Metadata.Uid;
        if (string.IsNullOrEmpty(uid)) return;
        PodWorker? worker;
        lock (_lock)
        {
            if (_stopped) return;
            _workers.TryGetValue(uid, out worker);
        }
        if (worker is not null)
        {
            worker.Update(pod);
            if (pod.Metadata.DeletionTimestamp is not null && !worker.Terminating) Track(TerminateAndForgetAsync(worker, deleteObject: true));
            return;
        }
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // Marked for deletion while no process of it runs (it never started, or the runtime was down): remove it now.
            Track(DeleteStoppedAsync(pod));
            return;
        }
        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return; // finished before: a pod runs once
        }
        var ip = _ips.TryReserve(uid, pod.Status?.PodIP) ? pod.Status!.PodIP! : _ips.Allocate(uid);
        if (ip is null)
        {
            _logger.LogError("pod {Namespace}/{Name}: no free address left in the pod range {Cidr}", pod.Metadata.NamespaceProperty, pod.Metadata.Name, _options.PodCidr);
            return;
        }
        var context = new PodContext(pod, ip, PodDirectories.For(_options.StateDirectory, pod), _options, _environment, _checker, _logger);
        worker = new PodWorker(_store, context);
        lock (_lock)
        {
            if (_stopped) return;
            _workers[uid] = worker;
        }
        _logger.LogInformation("pod {Pod}: starting on {Ip}", context, ip);
        worker.Start();
    }

    private void Removed(V1Pod pod)
    {
        var uid = pod.Metadata.Uid;
        PodWorker? worker;
        lock (_lock) _workers.TryGetValue(uid, out worker);
        if (worker is null)
        {
            _ips.Release(uid);
            RemoveDirectory(PodDirectories.For(_options.StateDirectory, pod));
            return;
        }
        worker.Update(pod);
        Track(TerminateAndForgetAsync(worker, deleteObject: false));
    }

    private async Task TerminateAndForgetAsync(PodWorker worker, bool deleteObject)
    {
        await worker.TerminateAsync(deleteObject, CancellationToken.None);
        lock (_lock)
        {
            // Only the caller that removes the worker cleans up after it (a deletion and its watch event may both get here).
            if (_stopped || !_workers.Remove(worker.Context.Uid)) return;
        }
        await worker.DisposeAsync();
        _ips.Release(worker.Context.Uid);
        RemoveDirectory(worker.Context.Directory);
    }

    private async Task DeleteStoppedAsync(V1Pod pod)
    {
        var key = ObjectRef.Of(pod);
        var result = await _store.DeleteAsync(key, pod.Metadata.ResourceVersion);
        if (result.Ok) _logger.LogInformation("pod {Namespace}/{Name}: deleted (no process was running)", pod.Metadata.NamespaceProperty, pod.Metadata.Name);
    }

    private void Track(Task task)
    {
        lock (_lock)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
        task.ContinueWith(t => _logger.LogError(t.Exception, "runtime task failed"), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private void RemoveDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("cannot remove {Directory}: {Message}", directory, e.Message);
        }
    }
}
