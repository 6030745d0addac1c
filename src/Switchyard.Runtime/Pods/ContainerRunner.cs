using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Runtime.Environment;
using Switchyard.Runtime.Probes;
using Switchyard.Runtime.Processes;

namespace Switchyard.Runtime.Pods;

/// <summary>
/// Runs one container of a pod as a process, for as long as the pod lives: prepares its environment, starts
/// it, runs its probes, records its state (waiting / running / terminated, lastState, restartCount, ready,
/// started) and restarts it per the pod's restartPolicy with the crash-loop back-off. Stopping runs the
/// preStop hook, sends SIGTERM to the process group and SIGKILL when the grace period is over.
/// Every state change calls <c>changed</c> so the pod's status is written.
/// </summary>
internal sealed partial class ContainerRunner
{
    private readonly Lock _lock = new();
    private readonly PodContext _pod;
    private readonly V1Container _container;
    private readonly Action _changed;
    private readonly RestartBackOff _backOff;
    private readonly CancellationTokenSource _stopping = new();
    private V1ContainerState _state;
    private V1ContainerState? _lastState;
    private int _restartCount;
    private bool _ready;
    private bool _started;
    private ContainerProcess? _process;
    private CancellationTokenSource? _probes;
    private TaskCompletionSource<string>? _probeKill;
    private Task _loop = Task.CompletedTask;
    private ProbeTarget? _target;
    private Task? _kill;

    public ContainerRunner(PodContext pod, V1Container container, V1ContainerStatus? previous, Action changed)
    {
        _pod = pod;
        _container = container;
        _changed = changed;
        _backOff = new RestartBackOff(pod.Options.BackOffInitial, pod.Options.BackOffMax, pod.Options.BackOffReset);
        _state = Waiting("ContainerCreating", null);
        if (previous is not null)
        {
            // The runtime restarted while this pod existed: count the interrupted run as a restart, as the kubelet does after a node reboot.
            _restartCount = previous.RestartCount;
            _lastState = previous.LastState;
            if (previous.State?.Running is { } running)
            {
                _restartCount++;
                _lastState = new V1ContainerState
                {
                    Terminated = new V1ContainerStateTerminated
                    {
                        ExitCode = 255,
                        Reason = "Unknown",
                        Message = "the runtime stopped while the container was running",
                        StartedAt = running.StartedAt,
                    },
                };
            }
            else if (previous.State?.Terminated is not null)
            {
                _restartCount++;
                _lastState = previous.State;
            }
        }
    }

    public string Name => _container.Name;

    public string ContainerDirectory => Path.Combine(_pod.Directory, _container.Name);

    /// <summary>The pid of the running process, if any.</summary>
    public int? Pid
    {
        get { lock (_lock) return _process?.Pid; }
    }

    /// <summary>Whether the container has stopped for good (it will not be restarted).</summary>
    public bool Finished { get; private set; }

    public void Start() => _loop = Task.Run(RunAsync);

    public V1ContainerStatus Snapshot()
    {
        lock (_lock)
        {
            return new V1ContainerStatus
            {
                Name = _container.Name,
                Image = _container.Image ?? "",
                ImageID = "",
                ContainerID = _process is { } p ? $"local://{p.Pid}" : null,
                State = _state,
                LastState = _lastState ?? new V1ContainerState(),
                RestartCount = _restartCount,
                Ready = _ready,
                Started = _started,
            };
        }
    }

    /// <summary>
    /// Stops the container for good: no more restarts; if it runs, preStop, SIGTERM, and SIGKILL after
    /// <paramref name="grace"/> or as soon as <paramref name="force"/> fires.
    /// </summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken force)
    {
        await _stopping.CancelAsync();
        await KillAsync(grace, "", force);
        try
        {
            await _loop.WaitAsync(force);
        }
        catch (OperationCanceledException)
        {
            lock (_lock) _process?.KillGroup();
            await _loop.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    /// <summary>Kills whatever is left of the process group at once (the last resort of shutdown).</summary>
    public void KillNow()
    {
        lock (_lock) _process?.KillGroup();
    }

    private async Task RunAsync()
    {
        var stop = _stopping.Token;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var run = await RunOnceAsync(stop);
                if (run is null) return; // waiting for good (no command) or stopping
                var (exitCode, startedAt, finishedAt) = run.Value;
                var restart = !stop.IsCancellationRequested && _pod.RestartPolicy switch
                {
                    "Never" => false,
                    "OnFailure" => exitCode != 0,
                    _ => true,
                };
                if (!restart)
                {
                    Finished = true;
                    _changed();
                    return;
                }
                var delay = _backOff.Next(finishedAt - startedAt);
                if (delay > TimeSpan.Zero)
                {
                    Update(() =>
                    {
                        _lastState = _state;
                        _state = Waiting("CrashLoopBackOff", $"back-off {Format(delay)} restarting failed container={_container.Name} pod={_pod.Name}_{_pod.Namespace}({_pod.Uid})");
                    });
                    await Task.Delay(delay, _pod.Time, stop);
                }
                else
                {
                    Update(() => _lastState = _state);
                }
                Update(() => _restartCount++);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _pod.Logger.LogError(e, "pod {Pod} container {Container}: runner failed", _pod, _container.Name);
            Update(() => _state = Waiting("RunContainerError", e.Message));
        }
        finally
        {
            Finished = true;
            _changed();
        }
    }

    /// <summary>One run: prepare, start, wait for the exit; null when the container cannot run at all or is stopping.</summary>
    private async Task<(int ExitCode, DateTimeOffset StartedAt, DateTimeOffset FinishedAt)?> RunOnceAsync(CancellationToken stop)
    {
        if (_container.Command is not { Count: > 0 })
        {
            Update(() => _state = Waiting("CreateContainerError", "no command: the local runtime runs spec.containers[].command (+ args); image is informational"));
            return null;
        }
        var prepared = await PrepareAsync(stop);
        while (prepared.Spec is null && prepared.StartError is null)
        {
            // A missing ConfigMap or Secret may still come: try again after the initial back-off, as the kubelet does.
            var why = prepared.ConfigError;
            Update(() => _state = Waiting("CreateContainerConfigError", why));
            await Task.Delay(_pod.Options.BackOffInitial, _pod.Time, stop);
            prepared = await PrepareAsync(stop);
        }
        var startedAt = _pod.Time.GetUtcNow();
        if (prepared.StartError is { } startError) return StartFailed(startError, startedAt);

        System.IO.Directory.CreateDirectory(ContainerDirectory);
        PruneLogs();
        var (process, error) = ContainerProcess.Start(prepared.Spec!);
        if (process is null) return StartFailed(error ?? "start failed", startedAt);
        using var probes = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var probeKill = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _process = process;
            _probes = probes;
            _probeKill = probeKill;
            _state = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = startedAt.UtcDateTime } };
            _ready = false;
            _started = _container.StartupProbe is null;
        }
        PidFile.Write(ContainerDirectory, process.Pid, process.StartTime);
        _pod.Logger.LogInformation("pod {Pod} container {Container} started (pid {Pid}, restart {Restarts})", _pod, _container.Name, process.Pid, _restartCount);
        _changed();
        var target = new ProbeTarget(_pod.PodIp, _container, prepared.Spec!.Environment, prepared.Spec.WorkingDirectory);
        lock (_lock) _target = target;
        StartProbes(target, probes.Token);

        var killedBy = probeKill.Task;
        var first = await Task.WhenAny(process.Exited, killedBy);
        string? message = null;
        if (first == killedBy && !process.Exited.IsCompleted)
        {
            message = await killedBy;
            var grace = ProbeGrace();
            await KillAsync(grace, message, CancellationToken.None);
        }
        var exitCode = await process.Exited;
        process.KillGroup(); // children the main process left behind go with it
        await probes.CancelAsync();
        PidFile.Delete(ContainerDirectory);
        var finishedAt = _pod.Time.GetUtcNow();
        lock (_lock)
        {
            _process = null;
            _target = null;
            _kill = null;
            _probes = null;
            _probeKill = null;
            _ready = false;
            _started = false;
            _state = new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = exitCode,
                    Reason = exitCode == 0 ? "Completed" : "Error",
                    Message = message,
                    Signal = exitCode > 128 ? exitCode - 128 : null,
                    StartedAt = startedAt.UtcDateTime,
                    FinishedAt = finishedAt.UtcDateTime,
                    ContainerID = $"local://{process.Pid}",
                },
            };
        }
        process.Dispose();
        _pod.Logger.LogInformation("pod {Pod} container {Container} exited with code {ExitCode}{Why}", _pod, _container.Name, exitCode, message is null ? "" : $" ({message})");
        _changed();
        return (exitCode, startedAt, finishedAt);
    }

    private (int, DateTimeOffset, DateTimeOffset) StartFailed(string error, DateTimeOffset at)
    {
        _pod.Logger.LogWarning("pod {Pod} container {Container} cannot start: {Error}", _pod, _container.Name, error);
        Update(() => _state = new V1ContainerState
        {
            Terminated = new V1ContainerStateTerminated
            {
                ExitCode = 128,
                Reason = "StartError",
                Message = error,
                StartedAt = at.UtcDateTime,
                FinishedAt = at.UtcDateTime,
            },
        });
        return (128, at, at);
    }

    private TimeSpan ProbeGrace()
    {
        var fromProbe = _container.LivenessProbe?.TerminationGracePeriodSeconds ?? _container.StartupProbe?.TerminationGracePeriodSeconds;
        return fromProbe is { } s ? TimeSpan.FromSeconds(s) : _pod.GracePeriod;
    }

    private void Update(Action change)
    {
        lock (_lock) change();
        _changed();
    }

    private void PruneLogs()
    {
        // Keep the current and the previous run's log, as the kubelet does.
        foreach (var file in System.IO.Directory.EnumerateFiles(ContainerDirectory, "*.log"))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < _restartCount - 1)
            {
                File.Delete(file);
            }
        }
    }

    private static V1ContainerState Waiting(string reason, string? message) =>
        new() { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } };

    private static string Format(TimeSpan delay) =>
        delay.TotalMinutes >= 1 ? $"{(int)delay.TotalMinutes}m{delay.Seconds}s" : $"{delay.TotalSeconds:0.###}s";
}
