namespace Switchyard.Control.Controllers.Deployments;

/// <summary>The labels and annotations the Deployment controller reads and writes, with their Kubernetes names.</summary>
public static class DeploymentLabels
{
    /// <summary>Label on every pod: the hash of the template it was made from.</summary>
    public const string PodTemplateHash = "pod-template-hash";

    /// <summary>Annotation on the Deployment: the revision number of its current template.</summary>
    public const string Revision = "deployment.kubernetes.io/revision";

    /// <summary>Template annotation set by <c>rollout restart</c>: changing it changes the template hash, so every pod is replaced.</summary>
    public const string RestartedAt = "kubectl.kubernetes.io/restartedAt";

    /// <summary>Annotation on the Deployment recorded with each revision in the history ("why this rollout").</summary>
    public const string ChangeCause = "kubernetes.io/change-cause";

    /// <summary>Label on history ConfigMaps: the Deployment they belong to.</summary>
    public const string HistoryOf = "deployments.switchyard.dev/history-of";

    /// <summary>The name of a Deployment's revision history ConfigMap.</summary>
    public static string HistoryName(string deployment) => deployment + ".rollout-history";

    public const string ConditionAvailable = "Available";
    public const string ConditionProgressing = "Progressing";

    public const string ReasonNewReplicaSetAvailable = "NewReplicaSetAvailable";
    public const string ReasonReplicaSetUpdated = "ReplicaSetUpdated";
    public const string ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded";
    public const string ReasonMinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable";
}
