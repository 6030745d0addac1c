using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Runtime.Pods;

/// <summary>
/// The runtime's agent for one pod: runs one <see cref="ContainerRunner"/> per container and writes the
/// pod's status (and its binding to the node, <c>spec.nodeName</c>) whenever a container changes, through
/// the store with optimistic concurrency: on a conflict it reads the pod again and re-applies its status,
/// so it never overwrites what a user applied. Terminating stops every container within the grace period;
/// for a deleted pod the worker then removes the object (with a resourceVersion precondition).
/// </summary>
internal sealed class PodWorker : IAsyncDisposable
{
    private const int MaxWriteAttempts = 10;

    private readonly IResourceStore _store;
    private readonly PodContext _pod;
    private readonly List<ContainerRunner> _containers = [];
    private readonly PodStatusBuilder _status;
    private readonly SemaphoreSlim _dirty = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly DateTime _startTime;
    private Task _writer = Task.CompletedTask;
    private Task? _termination;
    private string? _lastWritten;
    private int _disposed;

    public PodWorker(IResourceStore store, PodContext pod)
    {
        _store = store;
        _pod = pod;
        var previous = pod.Pod.Status;
        // Reuse what the store recorded only when it describes this pod on this node.
        var ours = previous?.PodIP == pod.PodIp;
        _status = new PodStatusBuilder(ours ? previous : null);
        _startTime = ours && previous?.StartTime is { } started ? started : PodStatusBuilder.TruncateToSeconds(pod.Time.GetUtcNow());
        foreach (var c in pod.Pod.Spec.Containers ?? [])
        {
            var before = ours ? previous?.ContainerStatuses?.FirstOrDefault(s => s.Name == c.Name) : null;
            _containers.Add(new ContainerRunner(pod, c, before, Changed));
        }
    }

    public PodContext Context => _pod;

    public IReadOnlyList<ContainerRunner> Containers => _containers;

    public bool Terminating => _termination is not null;

    public void Start()
    {
        _writer = Task.Run(WriteLoopAsync);
        Changed();
        foreach (var c in _containers) c.Start();
    }

    /// <summary>A newer version of the pod object (labels may have changed; deletion may have been asked for).</summary>
    public void Update(V1Pod pod) => _pod.Pod = pod;

    /// <summary>
    /// Stops the pod's containers (preStop, SIGTERM, SIGKILL after the grace period or when
    /// <paramref name="force"/> fires). With <paramref name="deleteObject"/> the Pod object is removed afterwards.
    /// Idempotent: a second call joins the first.
    /// </summary>
    public Task TerminateAsync(bool deleteObject, CancellationToken force)
    {
        lock (_containers) return _termination ??= TerminateCoreAsync(deleteObject, force);
    }

    private async Task TerminateCoreAsync(bool deleteObject, CancellationToken force)
    {
        var grace = _pod.GracePeriod;
        _pod.Logger.LogInformation("pod {Pod}: stopping containers (grace period {Grace}s){Delete}", _pod, grace.TotalSeconds, deleteObject ? " before deleting it" : "");
        await Task.WhenAll(_containers.Select(c => c.StopAsync(grace, force)));
        Changed();
        await FlushAsync();
        await _stop.CancelAsync();
        try
        {
            await _writer;
        }
        catch (OperationCanceledException)
        {
        }
        if (deleteObject) await DeleteObjectAsync();
    }

    /// <summary>Kills every container's process group at once (the last resort of shutdown).</summary>
    public void KillNow()
    {
        foreach (var c in _containers) c.KillNow();
    }

    /// <summary>Wakes the status writer; a container's last change reported after the worker was disposed (shutdown) is dropped.</summary>
    private void Changed()
    {
        if (Volatile.Read(ref _disposed) == 1) return;
        try
        {
            if (_dirty.CurrentCount == 0) _dirty.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
        }
    }

    private async Task FlushAsync()
    {
        try
        {
            await WriteStatusAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            _pod.Logger.LogWarning(e, "pod {Pod}: writing the final status failed", _pod);
        }
    }

    private async Task WriteLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            await _dirty.WaitAsync(token);
            try
            {
                await WriteStatusAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _pod.Logger.LogWarning(e, "pod {Pod}: writing status failed; retrying", _pod);
                await Task.Delay(TimeSpan.FromMilliseconds(500), _pod.Time, token);
                Changed();
            }
        }
    }

    private async Task WriteStatusAsync(CancellationToken cancellationToken)
    {
        var snapshots = _containers.Select(c => (c.Snapshot(), c.Finished)).ToList();
        var status = _status.Build(_pod, snapshots, _startTime, _pod.Time.GetUtcNow());
        var json = System.Text.Json.JsonSerializer.Serialize(status, ResourceJson.Info<V1PodStatus>());
        if (json == _lastWritten) return;
        var key = new ObjectRef(ResourceKinds.Pod, _pod.Namespace, _pod.Name);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            if (await _store.GetAsync(key, cancellationToken) is not V1Pod current || current.Metadata.Uid != _pod.Uid) return; // gone or replaced
            current.Status = status;
            if (string.IsNullOrEmpty(current.Spec.NodeName)) current.Spec.NodeName = _pod.Options.NodeName;
            var result = await _store.UpdateAsync(current, cancellationToken);
            if (result.Ok)
            {
                _lastWritten = json;
                return;
            }
            if (result.Status == WriteStatus.NotFound) return;
        }
        throw new InvalidOperationException($"status of pod {_pod} kept conflicting with other writers");
    }

    private async Task DeleteObjectAsync()
    {
        var key = new ObjectRef(ResourceKinds.Pod, _pod.Namespace, _pod.Name);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            if (await _store.GetAsync(key) is not { } current || current.Metadata.Uid != _pod.Uid) return;
            var result = await _store.DeleteAsync(key, current.Metadata.ResourceVersion);
            if (result.Ok || result.Status == WriteStatus.NotFound)
            {
                _pod.Logger.LogInformation("pod {Pod}: deleted", _pod);
                return;
            }
        }
        _pod.Logger.LogWarning("pod {Pod}: could not delete the object (it kept changing)", _pod);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        try
        {
            await _writer;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _dirty.Dispose();
    }
}
