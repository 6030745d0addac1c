using k8s.Models;

namespace Switchyard.Runtime.Pods;

/// <summary>
/// Computes a pod's status from its containers as the kubelet does. Phase: Pending while a container has
/// never started; Succeeded / Failed when every container has stopped for good (all exit 0 / any not);
/// otherwise Running. Conditions PodScheduled, Initialized, ContainersReady and Ready, each keeping its
/// lastTransitionTime until its status changes.
/// </summary>
internal sealed class PodStatusBuilder
{
    private readonly Dictionary<string, (string Status, DateTime Since)> _conditions = new(StringComparer.Ordinal);

    public PodStatusBuilder(V1PodStatus? previous)
    {
        foreach (var c in previous?.Conditions ?? [])
        {
            if (c.LastTransitionTime is { } t) _conditions[c.Type] = (c.Status, t);
        }
    }

    public V1PodStatus Build(PodContext pod, IReadOnlyList<(V1ContainerStatus Status, bool Finished)> containers, DateTime startTime, DateTimeOffset now)
    {
        var phase = Phase(pod.RestartPolicy, containers);
        var unready = containers.Where(c => c.Status.Ready != true).Select(c => c.Status.Name).ToList();
        var ready = unready.Count == 0 && phase == "Running";
        string? notReadyReason = phase is "Succeeded" or "Failed" ? "PodCompleted" : unready.Count > 0 ? "ContainersNotReady" : null;
        string? notReadyMessage = notReadyReason == "ContainersNotReady" ? $"containers with unready status: [{string.Join(" ", unready)}]" : null;
        return new V1PodStatus
        {
            Phase = phase,
            HostIP = pod.Options.HostIP,
            HostIPs = [new V1HostIP { Ip = pod.Options.HostIP }],
            PodIP = pod.PodIp,
            PodIPs = [new V1PodIP { Ip = pod.PodIp }],
            StartTime = startTime,
            QosClass = "BestEffort",
            Conditions =
            [
                Condition("PodScheduled", true, null, null, now),
                Condition("Initialized", true, null, null, now),
                Condition("ContainersReady", ready, notReadyReason, notReadyMessage, now),
                Condition("Ready", ready, notReadyReason, notReadyMessage, now),
            ],
            ContainerStatuses = [.. containers.Select(c => c.Status)],
        };
    }

    /// <summary>The kubelet's phase rule for the containers' current states.</summary>
    public static string Phase(string restartPolicy, IReadOnlyList<(V1ContainerStatus Status, bool Finished)> containers)
    {
        var pending = 0;
        var running = 0;
        var stopped = 0;
        var succeeded = 0;
        foreach (var (s, finished) in containers)
        {
            if (s.State?.Running is not null) running++;
            else if (s.State?.Terminated is { } t && finished)
            {
                stopped++;
                if (t.ExitCode == 0) succeeded++;
            }
            else if (s.State?.Terminated is not null || s.LastState?.Terminated is not null) running++; // between runs: restarting
            else pending++;
        }
        if (pending > 0) return "Pending";
        if (running > 0) return "Running";
        if (stopped == containers.Count && containers.Count > 0)
        {
            if (restartPolicy == "Always") return "Running";
            return succeeded == stopped ? "Succeeded" : "Failed";
        }
        return "Pending";
    }

    private V1PodCondition Condition(string type, bool value, string? reason, string? message, DateTimeOffset now)
    {
        var status = value ? "True" : "False";
        if (!_conditions.TryGetValue(type, out var held) || held.Status != status)
        {
            held = (status, TruncateToSeconds(now));
            _conditions[type] = held;
        }
        return new V1PodCondition
        {
            Type = type,
            Status = status,
            LastTransitionTime = held.Since,
            LastProbeTime = null,
            Reason = value ? null : reason,
            Message = value ? null : message,
        };
    }

    /// <summary>Kubernetes timestamps have whole seconds; keeping them so makes a re-read status compare equal.</summary>
    public static DateTime TruncateToSeconds(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
}
