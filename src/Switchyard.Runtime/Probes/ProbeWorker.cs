using k8s.Models;

namespace Switchyard.Runtime.Probes;

/// <summary>
/// Runs one probe of one container on the kubelet's schedule: wait <c>initialDelaySeconds</c>, then check
/// every <c>periodSeconds</c>, each check bounded by <c>timeoutSeconds</c>. The result flips to success after
/// <c>successThreshold</c> consecutive successes and to failure after <c>failureThreshold</c> consecutive
/// failures (defaults 0/10/1/1/3). The readiness result starts as failure, liveness as success, startup as
/// unknown. A startup probe stops after its first success; startup and liveness probes stop when they
/// reach failure (the container is then killed). Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ProbeWorker(ProbeKind kind, V1Probe probe, ProbeTarget target, ProbeChecker checker, TimeProvider time, Action<ProbeKind, bool, string> onResult)
{
    public TimeSpan InitialDelay { get; } = TimeSpan.FromSeconds(Math.Max(0, probe.InitialDelaySeconds ?? 0));
    public TimeSpan Period { get; } = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
    public TimeSpan Timeout { get; } = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
    public int SuccessThreshold { get; } = Math.Max(1, probe.SuccessThreshold ?? 1);
    public int FailureThreshold { get; } = Math.Max(1, probe.FailureThreshold ?? 3);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (InitialDelay > TimeSpan.Zero) await Task.Delay(InitialDelay, time, cancellationToken);
        bool? result = kind switch { ProbeKind.Readiness => false, ProbeKind.Liveness => true, _ => null };
        var successes = 0;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var outcome = await checker.CheckAsync(probe, target, Timeout, cancellationToken);
            if (outcome.Success)
            {
                failures = 0;
                successes++;
                if (successes >= SuccessThreshold && result != true)
                {
                    result = true;
                    onResult(kind, true, outcome.Message);
                }
                if (kind == ProbeKind.Startup && result == true) return;
            }
            else
            {
                successes = 0;
                failures++;
                if (failures >= FailureThreshold && result != false)
                {
                    result = false;
                    onResult(kind, false, outcome.Message);
                    if (kind != ProbeKind.Readiness) return;
                }
            }
            await Task.Delay(Period, time, cancellationToken);
        }
    }
}
