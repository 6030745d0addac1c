using k8s.Models;
using Microsoft.Extensions.Logging;
using Switchyard.Runtime.Environment;
using Switchyard.Runtime.Probes;

namespace Switchyard.Runtime.Pods;

/// <summary>What the containers of one pod share: the pod (latest seen), its IP and directory, and the runtime's services.</summary>
internal sealed class PodContext(
    V1Pod pod, string podIp, string directory, RuntimeOptions options, ContainerEnvironment environment, ProbeChecker checker, ILogger logger)
{
    private volatile V1Pod _pod = pod;

    public V1Pod Pod
    {
        get => _pod;
        set => _pod = value;
    }

    public string Uid { get; } = pod.Metadata.Uid;
    public string Namespace { get; } = pod.Metadata.NamespaceProperty ?? "default";
    public string Name { get; } = pod.Metadata.Name;
    public string PodIp { get; } = podIp;
    public string Directory { get; } = directory;
    public RuntimeOptions Options { get; } = options;
    public TimeProvider Time => Options.TimeProvider;
    public ContainerEnvironment Environment { get; } = environment;
    public ProbeChecker Checker { get; } = checker;
    public ILogger Logger { get; } = logger;

    public string RestartPolicy => Pod.Spec.RestartPolicy ?? "Always";

    public TimeSpan GracePeriod => TimeSpan.FromSeconds(Math.Max(0, Pod.Metadata.DeletionGracePeriodSeconds ?? Pod.Spec.TerminationGracePeriodSeconds ?? 30));

    public override string ToString() => $"{Namespace}/{Name}";
}
