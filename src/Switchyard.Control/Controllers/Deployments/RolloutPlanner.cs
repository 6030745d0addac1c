using k8s.Models;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>What one sync should do: how many pods of the current template to create and which pods to delete.</summary>
public sealed record RolloutPlan(int Create, IReadOnlyList<V1Pod> Delete, TimeSpan? RecheckAfter)
{
    public bool IsEmpty => Create == 0 && Delete.Count == 0;
}

/// <summary>The pods of one Deployment as the planner sees them.</summary>
/// <param name="New">Active pods of the current template.</param>
/// <param name="Old">Active pods of any other template.</param>
/// <param name="OldTerminating">Pods of other templates that are terminating (Recreate waits for them).</param>
public sealed record DeploymentPods(IReadOnlyList<V1Pod> New, IReadOnlyList<V1Pod> Old, int OldTerminating);

/// <summary>
/// One step of a rollout, computed from the current pods only (so it is safe to repeat after a crash
/// or a lost write). RollingUpdate follows Kubernetes' two halves: scale the new template up while
/// the total stays within replicas + maxSurge, then remove old pods — unavailable ones first, which costs
/// no availability — only as far as keeps at least replicas − maxUnavailable pods available, counting
/// new pods that are not yet available against that budget. Recreate deletes every old pod and
/// creates new ones only once none of them is left, terminating ones included. Scaling down removes
/// not-ready pods first, then the most recently ready, then the newest.
/// </summary>
public static class RolloutPlanner
{
    public static RolloutPlan Plan(V1DeploymentSpec spec, DeploymentPods pods, DateTimeOffset now)
    {
        var desired = Math.Max(spec.Replicas ?? 1, 0);
        var minReady = spec.MinReadySeconds ?? 0;
        var recheck = SoonestAvailability(pods.New.Concat(pods.Old), minReady, now);
        if (spec.Paused == true) return new RolloutPlan(0, [], recheck);
        return spec.Strategy?.Type == "Recreate"
            ? Recreate(desired, pods, recheck)
            : Rolling(spec, desired, minReady, pods, now, recheck);
    }

    private static RolloutPlan Recreate(int desired, DeploymentPods pods, TimeSpan? recheck)
    {
        if (pods.Old.Count > 0) return new RolloutPlan(0, [.. pods.Old], recheck);
        if (pods.OldTerminating > 0) return new RolloutPlan(0, [], recheck);
        return ScaleNew(desired, pods.New, recheck);
    }

    private static RolloutPlan ScaleNew(int desired, IReadOnlyList<V1Pod> current, TimeSpan? recheck)
    {
        if (current.Count < desired) return new RolloutPlan(desired - current.Count, [], recheck);
        if (current.Count > desired) return new RolloutPlan(0, [.. PodConditions.InDeletionOrder(current).Take(current.Count - desired)], recheck);
        return new RolloutPlan(0, [], recheck);
    }

    private static RolloutPlan Rolling(V1DeploymentSpec spec, int desired, int minReady, DeploymentPods pods, DateTimeOffset now, TimeSpan? recheck)
    {
        if (pods.Old.Count == 0) return ScaleNew(desired, pods.New, recheck);
        var (maxSurge, maxUnavailable) = RolloutMath.Resolve(spec.Strategy, desired);
        var total = pods.New.Count + pods.Old.Count;

        var create = 0;
        if (pods.New.Count < desired) create = Math.Max(0, Math.Min(desired + maxSurge - total, desired - pods.New.Count));

        var delete = new List<V1Pod>();
        var minAvailable = desired - maxUnavailable;
        var newAvailable = pods.New.Count(p => PodConditions.IsAvailable(p, minReady, now, out _));
        var newUnavailable = pods.New.Count - newAvailable;
        var maxScaledDown = total - minAvailable - newUnavailable;
        if (pods.New.Count > desired)
        {
            // Scaled down in the middle of a rollout: trim the new pods too, never below availability.
            var excess = PodConditions.InDeletionOrder(pods.New).Where(p => !PodConditions.IsAvailable(p, minReady, now, out _)).Take(pods.New.Count - desired);
            delete.AddRange(excess);
        }
        if (maxScaledDown > 0)
        {
            var unhealthyOld = PodConditions.InDeletionOrder(pods.Old.Where(p => !PodConditions.IsAvailable(p, minReady, now, out _))).Take(maxScaledDown).ToList();
            delete.AddRange(unhealthyOld);
            var availableOld = pods.Old.Where(p => PodConditions.IsAvailable(p, minReady, now, out _)).ToList();
            var budget = newAvailable + availableOld.Count - minAvailable;
            var further = Math.Min(availableOld.Count, Math.Min(budget, maxScaledDown - unhealthyOld.Count));
            if (further > 0) delete.AddRange(PodConditions.InDeletionOrder(availableOld).Take(further));
        }
        return new RolloutPlan(create, delete, recheck);
    }

    /// <summary>The time until the next ready pod becomes available (minReadySeconds), if any is waiting.</summary>
    private static TimeSpan? SoonestAvailability(IEnumerable<V1Pod> pods, int minReady, DateTimeOffset now)
    {
        TimeSpan? soonest = null;
        foreach (var pod in pods)
        {
            PodConditions.IsAvailable(pod, minReady, now, out var wait);
            if (wait is { } w && (soonest is null || w < soonest)) soonest = w;
        }
        return soonest;
    }
}
