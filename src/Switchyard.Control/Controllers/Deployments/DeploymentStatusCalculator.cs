using k8s.Models;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>
/// The status a Deployment should have after a sync, as Kubernetes computes it: counts over active pods
/// (terminating pods are not replicas), the Available condition (at least replicas − maxUnavailable
/// available) and the Progressing condition: NewReplicaSetAvailable once every replica runs the current
/// template and is available; ReplicaSetUpdated whenever the rollout moved (a new template, pods created
/// or deleted, counts changed); ProgressDeadlineExceeded when it has not moved for
/// progressDeadlineSeconds. Conditions keep their lastTransitionTime while their status holds.
/// </summary>
internal static class DeploymentStatusCalculator
{
    public static V1DeploymentStatus Compute(
        V1Deployment deployment, IReadOnlyList<V1Pod> newPods, IReadOnlyList<V1Pod> oldPods, bool acted, bool newTemplate, DateTimeOffset now)
    {
        var spec = deployment.Spec;
        var previous = deployment.Status;
        var desired = Math.Max(spec.Replicas ?? 1, 0);
        var minReady = spec.MinReadySeconds ?? 0;
        var all = newPods.Concat(oldPods).ToList();
        var available = all.Count(p => PodConditions.IsAvailable(p, minReady, now, out _));
        var status = new V1DeploymentStatus
        {
            ObservedGeneration = deployment.Metadata.Generation,
            Replicas = all.Count,
            UpdatedReplicas = newPods.Count,
            ReadyReplicas = all.Count(PodConditions.IsReady),
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, Math.Max(desired, all.Count) - available),
            CollisionCount = previous?.CollisionCount,
        };
        var (_, maxUnavailable) = RolloutMath.Resolve(spec.Strategy, desired);
        var conditions = new List<V1DeploymentCondition>();
        var t = now.UtcDateTime;

        var availableOk = available >= desired - maxUnavailable;
        conditions.Add(Condition(previous, DeploymentLabels.ConditionAvailable, availableOk,
            availableOk ? DeploymentLabels.ReasonMinimumReplicasAvailable : DeploymentLabels.ReasonMinimumReplicasUnavailable,
            availableOk ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", t));

        var name = deployment.Metadata.Name;
        var complete = newPods.Count == desired && oldPods.Count == 0 && available == desired;
        var progressed = acted || newTemplate || CountsChanged(previous, status);
        var current = previous?.Conditions?.FirstOrDefault(c => c.Type == DeploymentLabels.ConditionProgressing);
        V1DeploymentCondition? progressing;
        if (spec.Paused == true)
        {
            progressing = Condition(previous, DeploymentLabels.ConditionProgressing, null, "DeploymentPaused", "Deployment is paused", t);
        }
        else if (complete)
        {
            progressing = Condition(previous, DeploymentLabels.ConditionProgressing, true, DeploymentLabels.ReasonNewReplicaSetAvailable,
                $"Deployment \"{name}\" has successfully progressed.", t);
        }
        else if (progressed || current is null || current.Reason == DeploymentLabels.ReasonNewReplicaSetAvailable)
        {
            progressing = Condition(previous, DeploymentLabels.ConditionProgressing, true, DeploymentLabels.ReasonReplicaSetUpdated,
                $"Deployment \"{name}\" is progressing.", t, touch: true);
        }
        else if (current.Reason != DeploymentLabels.ReasonProgressDeadlineExceeded && DeadlinePassed(current, spec, now))
        {
            progressing = Condition(previous, DeploymentLabels.ConditionProgressing, false, DeploymentLabels.ReasonProgressDeadlineExceeded,
                $"Deployment \"{name}\" has timed out progressing.", t);
        }
        else
        {
            progressing = current;
        }
        if (progressing is not null) conditions.Add(progressing);
        status.Conditions = conditions;
        return status;
    }

    /// <summary>How long until the Progressing condition's deadline passes, when a rollout is under way.</summary>
    public static TimeSpan? UntilDeadline(V1Deployment deployment, DateTimeOffset now)
    {
        var c = deployment.Status?.Conditions?.FirstOrDefault(x => x.Type == DeploymentLabels.ConditionProgressing);
        if (c is null || c.Reason != DeploymentLabels.ReasonReplicaSetUpdated || c.LastUpdateTime is not { } updated) return null;
        if (deployment.Spec.ProgressDeadlineSeconds is not { } seconds || seconds <= 0) return null;
        var at = new DateTimeOffset(DateTime.SpecifyKind(updated, DateTimeKind.Utc)).AddSeconds(seconds);
        return at > now ? at - now : TimeSpan.Zero;
    }

    private static bool DeadlinePassed(V1DeploymentCondition current, V1DeploymentSpec spec, DateTimeOffset now)
    {
        if (spec.ProgressDeadlineSeconds is not { } seconds || seconds <= 0 || seconds == int.MaxValue) return false;
        if (current.LastUpdateTime is not { } updated) return false;
        return new DateTimeOffset(DateTime.SpecifyKind(updated, DateTimeKind.Utc)).AddSeconds(seconds) < now;
    }

    private static bool CountsChanged(V1DeploymentStatus? a, V1DeploymentStatus b) =>
        a is null || a.Replicas != b.Replicas || a.UpdatedReplicas != b.UpdatedReplicas
        || a.ReadyReplicas != b.ReadyReplicas || a.AvailableReplicas != b.AvailableReplicas;

    /// <summary>A condition, keeping the previous lastTransitionTime (and lastUpdateTime unless <paramref name="touch"/>) when nothing but the time changed.</summary>
    private static V1DeploymentCondition Condition(V1DeploymentStatus? previous, string type, bool? ok, string reason, string message, DateTime now, bool touch = false)
    {
        var status = ok switch { true => "True", false => "False", null => "Unknown" };
        var old = previous?.Conditions?.FirstOrDefault(c => c.Type == type);
        var sameStatus = old?.Status == status;
        var same = sameStatus && old!.Reason == reason && old.Message == message;
        return new V1DeploymentCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastTransitionTime = sameStatus ? old!.LastTransitionTime ?? now : now,
            LastUpdateTime = same && !touch ? old!.LastUpdateTime ?? now : now,
        };
    }
}
