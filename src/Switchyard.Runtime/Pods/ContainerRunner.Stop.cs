using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Runtime.Probes;
using Switchyard.Runtime.Processes;

namespace Switchyard.Runtime.Pods;

/// <summary>
/// Killing a running container the Kubernetes way: the preStop hook (exec, httpGet or sleep), then SIGTERM
/// to the process group, then SIGKILL when <c>terminationGracePeriodSeconds</c> (which counts the hook's
/// time) is over. One kill per run: a second request joins the first.
/// </summary>
internal sealed partial class ContainerRunner
{
    private Task KillAsync(TimeSpan grace, string reason, CancellationToken force)
    {
        lock (_lock)
        {
            if (_process is not { } process) return Task.CompletedTask;
            _ready = false;
            _probes?.Cancel();
            return _kill ??= KillProcessAsync(process, _target, grace, reason, force);
        }
    }

    private async Task KillProcessAsync(ContainerProcess process, ProbeTarget? target, TimeSpan grace, string reason, CancellationToken force)
    {
        _changed();
        var time = _pod.Time;
        var deadline = time.GetUtcNow() + grace;
        if (_container.Lifecycle?.PreStop is { } hook && target is not null && grace > TimeSpan.Zero)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(force);
            bounded.CancelAfter(grace);
            try
            {
                var outcome = await RunHookAsync(hook, target, grace, bounded.Token).WaitAsync(bounded.Token);
                if (!outcome.Success) _pod.Logger.LogWarning("pod {Pod} container {Container}: preStop hook failed: {Message}", _pod, _container.Name, outcome.Message);
            }
            catch (OperationCanceledException)
            {
                _pod.Logger.LogWarning("pod {Pod} container {Container}: preStop hook did not finish within the grace period", _pod, _container.Name);
            }
        }
        if (process.Exited.IsCompleted) return;
        _pod.Logger.LogInformation("pod {Pod} container {Container}: sending SIGTERM to process group {Pid}{Why}", _pod, _container.Name, process.Pid, reason.Length > 0 ? $" ({reason})" : "");
        process.Signal(Posix.SIGTERM);
        var remaining = deadline - time.GetUtcNow();
        if (remaining > TimeSpan.Zero)
        {
            try
            {
                await process.Exited.WaitAsync(remaining, time, force);
                return;
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (process.Exited.IsCompleted) return;
        _pod.Logger.LogInformation("pod {Pod} container {Container}: grace period over; sending SIGKILL to process group {Pid}", _pod, _container.Name, process.Pid);
        process.KillGroup();
    }

    private async Task<ProbeOutcome> RunHookAsync(V1LifecycleHandler hook, ProbeTarget target, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (hook.Exec is { } exec) return await ProbeChecker.ExecAsync(exec.Command ?? [], target, grace, cancellationToken);
        if (hook.HttpGet is { } http) return await _pod.Checker.HttpGetAsync(http, target, grace, cancellationToken);
        if (hook.Sleep is { } sleep)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, sleep.Seconds)), _pod.Time, cancellationToken);
            return ProbeOutcome.Ok();
        }
        if (hook.TcpSocket is not null) return ProbeOutcome.Ok("tcpSocket hooks are accepted and ignored, as in Kubernetes");
        return ProbeOutcome.Fail("hook has no handler");
    }
}
