using k8s.Models;

namespace Switchyard.Runtime.Pods;

/// <summary>
/// Where a pod's files live: <c>&lt;state&gt;/pods/&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;/&lt;container&gt;/</c>
/// holding <c>&lt;restartCount&gt;.log</c> (stdout and stderr of that run; the current and previous run are
/// kept) and <c>pid</c> while the container runs. The directory goes when the pod is deleted.
/// </summary>
public static class PodDirectories
{
    public static string Root(string stateDirectory) => Path.Combine(stateDirectory, "pods");

    public static string For(string stateDirectory, V1Pod pod) =>
        For(stateDirectory, pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, pod.Metadata.Uid);

    public static string For(string stateDirectory, string ns, string name, string uid) =>
        Path.Combine(Root(stateDirectory), $"{ns}_{name}_{uid}");
}
