using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Control.Apply;

/// <summary>
/// Kubernetes' graceful deletion of Pods. A Pod that a node agent has taken on (<c>spec.nodeName</c> set, the
/// binding the local runtime writes) and that has not finished (phase neither Succeeded nor Failed) is not
/// removed by DELETE: the API sets <c>metadata.deletionTimestamp</c> (now + grace) and
/// <c>metadata.deletionGracePeriodSeconds</c>, and the node agent stops its containers (preStop, SIGTERM,
/// SIGKILL after the grace period) and then removes the object. Every other Pod — never bound, already
/// finished, or deleted with a grace period of 0 (force) — is removed at once. Deleting a Pod that is
/// already terminating changes nothing unless it forces. Deleting a namespace removes its pods at once;
/// the runtime still stops their processes gracefully.
/// </summary>
internal static class GracefulPodDeletion
{
    public enum Decision
    {
        /// <summary>Remove the object now.</summary>
        Delete,
        /// <summary>Mark it terminating (write <see cref="Mark"/>'s result).</summary>
        MarkTerminating,
        /// <summary>Already terminating: nothing to write.</summary>
        AlreadyTerminating,
    }

    public static Decision Decide(IKubernetesObject<V1ObjectMeta> existing, ApplyOptions options)
    {
        if (existing is not V1Pod pod || options.GracePeriodSeconds == 0) return Decision.Delete;
        if (pod.Metadata.DeletionTimestamp is not null) return Decision.AlreadyTerminating;
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Status?.Phase is "Succeeded" or "Failed") return Decision.Delete;
        return Grace(pod, options) == 0 ? Decision.Delete : Decision.MarkTerminating;
    }

    /// <summary>A copy of the pod with deletionTimestamp and deletionGracePeriodSeconds set, conditional on its resourceVersion.</summary>
    public static V1Pod Mark(V1Pod existing, ApplyOptions options, TimeProvider time)
    {
        var pod = ResourceJson.Clone(existing);
        var grace = Grace(existing, options);
        var now = time.GetUtcNow();
        var at = new DateTime(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, DateTimeKind.Utc).AddSeconds(grace);
        pod.Metadata.DeletionTimestamp = at;
        pod.Metadata.DeletionGracePeriodSeconds = grace;
        return pod;
    }

    private static long Grace(V1Pod pod, ApplyOptions options) =>
        Math.Max(0, options.GracePeriodSeconds ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30);
}
