using k8s;
using k8s.Models;

namespace Switchyard.Control.Controllers.Deployments;

/// <summary>
/// How the Deployment controller reads a pod: active or not, ready, available (Ready for at least
/// minReadySeconds, measured from the Ready condition's lastTransitionTime as Kubernetes does), and
/// who controls it.
/// </summary>
internal static class PodConditions
{
    /// <summary>A label or annotation value, or null.</summary>
    public static string? ValueOf(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;

    /// <summary>Terminating (deletionTimestamp set) or finished pods no longer count as replicas.</summary>
    public static bool IsActive(V1Pod pod) =>
        pod.Metadata?.DeletionTimestamp is null && pod.Status?.Phase is not ("Succeeded" or "Failed");

    public static bool IsTerminating(V1Pod pod) => pod.Metadata?.DeletionTimestamp is not null;

    public static V1PodCondition? ReadyCondition(V1Pod pod) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>
    /// Whether the pod is available at <paramref name="now"/>; when it is ready but not yet for
    /// <paramref name="minReadySeconds"/>, <paramref name="availableIn"/> says how long until it is.
    /// A ready pod without a transition time is available only when minReadySeconds is 0.
    /// </summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now, out TimeSpan? availableIn)
    {
        availableIn = null;
        var ready = ReadyCondition(pod);
        if (ready?.Status != "True" || !IsActive(pod)) return false;
        if (minReadySeconds <= 0) return true;
        if (ready.LastTransitionTime is not { } since) return false;
        var at = new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)).AddSeconds(minReadySeconds);
        if (at <= now) return true;
        availableIn = at - now;
        return false;
    }

    /// <summary>The controlling owner reference (controller: true), if any.</summary>
    public static V1OwnerReference? ControllerOf(IKubernetesObject<V1ObjectMeta> obj) =>
        obj.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true);

    /// <summary>The name of the Deployment that controls the pod, or null.</summary>
    public static string? DeploymentOf(V1Pod pod) =>
        ControllerOf(pod) is { Kind: "Deployment" } owner && owner.ApiVersion?.StartsWith("apps/", StringComparison.Ordinal) == true ? owner.Name : null;

    public static string? HashOf(V1Pod pod) => PodConditions.ValueOf(pod.Metadata?.Labels, DeploymentLabels.PodTemplateHash);

    /// <summary>
    /// Order in which pods are removed when scaling down, best candidates first, as Kubernetes ranks
    /// them: not ready before ready, then ready for the shortest time, then the newest.
    /// </summary>
    public static IEnumerable<V1Pod> InDeletionOrder(IEnumerable<V1Pod> pods) =>
        pods.OrderBy(p => IsReady(p) ? 1 : 0)
            .ThenByDescending(p => IsReady(p) ? ReadyCondition(p)!.LastTransitionTime ?? DateTime.MinValue : DateTime.MinValue)
            .ThenByDescending(p => p.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(p => p.Metadata?.Name, StringComparer.Ordinal);
}
