using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Apply;

/// <summary>
/// The steps every write shares before admission: copy (callers keep their objects), default the
/// namespace, apply API defaults and validate; and, for updates, carry over what the server owns.
/// </summary>
internal static class ObjectPreparation
{
    /// <summary>Metadata fields the server sets; a client's value is ignored and they never make an object "changed".</summary>
    private static readonly string[] ServerOwnedMetadata = ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink"];

    public static (IKubernetesObject<V1ObjectMeta> Object, ObjectRef Ref, IReadOnlyList<FieldError> Errors) Prepare(
        IKubernetesObject<V1ObjectMeta> input, ApplyOptions options)
    {
        var obj = ResourceJson.Clone(input);
        var kind = ResourceKinds.Of(obj);
        obj.Metadata ??= new V1ObjectMeta();
        if (kind.Namespaced && string.IsNullOrEmpty(obj.Metadata.NamespaceProperty) && options.DefaultNamespace is { Length: > 0 } ns)
        {
            obj.Metadata.NamespaceProperty = ns;
        }
        if (!kind.Namespaced)
        {
            // As the Kubernetes API server does: a namespace on a cluster-scoped object is ignored.
            obj.Metadata.NamespaceProperty = null;
        }
        ResourceValidation.ApplyDefaults(obj);
        var errors = ResourceValidation.Validate(obj);
        return (obj, ObjectRef.Of(obj), errors);
    }

    /// <summary>Clears what a client may not choose for a new object.</summary>
    public static void ClearServerOwned(IKubernetesObject<V1ObjectMeta> obj)
    {
        obj.Metadata.Uid = null;
        obj.Metadata.ResourceVersion = null;
        obj.Metadata.CreationTimestamp = null;
        obj.Metadata.Generation = null;
        obj.Metadata.ManagedFields = null;
        obj.Metadata.DeletionTimestamp = null;
        obj.Metadata.DeletionGracePeriodSeconds = null;
    }

    /// <summary>
    /// The object to store when <paramref name="applied"/> replaces <paramref name="existing"/>: uid,
    /// creationTimestamp, generation, deletionTimestamp (and a Pod's spec.nodeName when the applied one has
    /// none) stay the server's; <c>status</c> is kept from the existing object
    /// when the applied one has none (status belongs to controllers and runtimes, not to manifests);
    /// resourceVersion is the existing one, so the write fails if the object changed meanwhile.
    /// </summary>
    public static IKubernetesObject<V1ObjectMeta> MergeForUpdate(IKubernetesObject<V1ObjectMeta> applied, IKubernetesObject<V1ObjectMeta> existing)
    {
        var kind = ResourceKinds.Of(applied);
        var node = ResourceJson.ToNode(applied).AsObject();
        if (node["status"] is null && ResourceJson.ToNode(existing)["status"] is { } status)
        {
            node["status"] = status.DeepClone();
        }
        var merged = ResourceJson.Deserialize(kind, node);
        merged.Metadata.Uid = existing.Metadata.Uid;
        merged.Metadata.CreationTimestamp = existing.Metadata.CreationTimestamp;
        merged.Metadata.Generation = existing.Metadata.Generation;
        merged.Metadata.ManagedFields = existing.Metadata.ManagedFields;
        merged.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        // A deletion in progress is the server's, not the manifest's (see GracefulPodDeletion).
        merged.Metadata.DeletionTimestamp = existing.Metadata.DeletionTimestamp;
        merged.Metadata.DeletionGracePeriodSeconds = existing.Metadata.DeletionGracePeriodSeconds;
        if (merged is V1Pod pod && existing is V1Pod bound && string.IsNullOrEmpty(pod.Spec?.NodeName) && !string.IsNullOrEmpty(bound.Spec?.NodeName))
        {
            // The binding to a node belongs to the runtime, as in Kubernetes (where it is immutable once set).
            pod.Spec!.NodeName = bound.Spec.NodeName;
        }
        return merged;
    }

    /// <summary>
    /// What controllers and commands write that a manifest does not carry, kept when the manifest does not set it (as
    /// kubectl's three-way merge keeps what it did not apply): a Deployment's <c>deployment.kubernetes.io/revision</c>,
    /// and the <c>kubectl.kubernetes.io/restartedAt</c> that <c>rollout restart</c> stamps on its pod template. Without
    /// them, applying an unchanged Deployment reported "configured" (the controller writing its revision back at once),
    /// and after a restart it started another rollout.
    /// </summary>
    /// <remarks>For apply only: a PUT or PATCH stores what it sends (<c>rollout undo</c> puts back a template without the stamp).</remarks>
    public static void KeepControllerAnnotations(IKubernetesObject<V1ObjectMeta> merged, IKubernetesObject<V1ObjectMeta> existing)
    {
        if (merged is not V1Deployment deployment || existing is not V1Deployment old) return;
        if (old.Metadata.Annotations?.TryGetValue(DeploymentLabels.Revision, out var revision) == true)
            (deployment.Metadata.Annotations ??= new Dictionary<string, string>()).TryAdd(DeploymentLabels.Revision, revision);
        if (deployment.Spec?.Template is { } template && old.Spec?.Template?.Metadata?.Annotations?.TryGetValue(DeploymentLabels.RestartedAt, out var restartedAt) == true)
            ((template.Metadata ??= new V1ObjectMeta()).Annotations ??= new Dictionary<string, string>()).TryAdd(DeploymentLabels.RestartedAt, restartedAt);
    }

    /// <summary>Whether storing <paramref name="candidate"/> would change nothing but server-owned fields.</summary>
    public static bool SameContent(IKubernetesObject<V1ObjectMeta> candidate, IKubernetesObject<V1ObjectMeta> existing) =>
        JsonNode.DeepEquals(Normalize(candidate), Normalize(existing));

    private static JsonObject Normalize(IKubernetesObject<V1ObjectMeta> obj)
    {
        var node = ResourceJson.ToNode(obj).AsObject();
        if (node["metadata"] is JsonObject meta)
        {
            foreach (var field in ServerOwnedMetadata) meta.Remove(field);
        }
        return node;
    }
}
