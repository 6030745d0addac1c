using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>
/// Defaults and rules of a pod spec, shared by Pod (path "spec") and the templates of workload kinds
/// (Deployment: "spec.template.spec").
/// </summary>
internal static class PodSpecRules
{
    public static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];

    public static void Default(V1PodSpec? spec)
    {
        if (spec is null) return;
        spec.RestartPolicy ??= "Always";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.DnsPolicy ??= "ClusterFirst";
        spec.SchedulerName ??= "default-scheduler";
        spec.EnableServiceLinks ??= true;
        foreach (var c in spec.InitContainers ?? []) ContainerRules.Default(c);
        foreach (var c in spec.Containers ?? []) ContainerRules.Default(c);
    }

    public static void Validate(V1PodSpec? spec, string path, List<FieldError> errors)
    {
        if (spec is null)
        {
            errors.Required(path);
            return;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var volumes = ValidateVolumes(spec.Volumes, FieldPath.Child(path, "volumes"), errors);
        ValidateContainers(spec.InitContainers, FieldPath.Child(path, "initContainers"), names, volumes, errors);
        if (spec.Containers is null || spec.Containers.Count == 0) errors.Required(FieldPath.Child(path, "containers"));
        else ValidateContainers(spec.Containers, FieldPath.Child(path, "containers"), names, volumes, errors);

        if (spec.RestartPolicy is { } rp && !RestartPolicies.Contains(rp, StringComparer.Ordinal))
        {
            errors.NotSupported(FieldPath.Child(path, "restartPolicy"), rp, RestartPolicies);
        }
        if (spec.DnsPolicy is { } dp)
        {
            if (!DnsPolicies.Contains(dp, StringComparer.Ordinal)) errors.NotSupported(FieldPath.Child(path, "dnsPolicy"), dp, DnsPolicies);
            else if (dp == "None" && spec.DnsConfig is null) errors.Required(FieldPath.Child(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None");
        }
        if (spec.TerminationGracePeriodSeconds is < 0)
        {
            errors.Invalid(FieldPath.Child(path, "terminationGracePeriodSeconds"), spec.TerminationGracePeriodSeconds.Value, "must be greater than or equal to 0");
        }
        if (spec.ActiveDeadlineSeconds is <= 0)
        {
            errors.Invalid(FieldPath.Child(path, "activeDeadlineSeconds"), spec.ActiveDeadlineSeconds.Value, "must be between 1 and 2147483647, inclusive");
        }
        if (!string.IsNullOrEmpty(spec.Hostname)) errors.InvalidEach(FieldPath.Child(path, "hostname"), spec.Hostname, KubernetesNames.ValidateDns1123Label(spec.Hostname));
        if (!string.IsNullOrEmpty(spec.Subdomain)) errors.InvalidEach(FieldPath.Child(path, "subdomain"), spec.Subdomain, KubernetesNames.ValidateDns1123Label(spec.Subdomain));
        if (!string.IsNullOrEmpty(spec.ServiceAccountName)) errors.InvalidEach(FieldPath.Child(path, "serviceAccountName"), spec.ServiceAccountName, KubernetesNames.ValidateDns1123Subdomain(spec.ServiceAccountName));
        if (!string.IsNullOrEmpty(spec.NodeName)) errors.InvalidEach(FieldPath.Child(path, "nodeName"), spec.NodeName, KubernetesNames.ValidateDns1123Subdomain(spec.NodeName));
        MetadataRules.ValidateLabels(spec.NodeSelector, FieldPath.Child(path, "nodeSelector"), errors);
    }

    private static void ValidateContainers(IList<V1Container>? containers, string path, HashSet<string> names, HashSet<string> volumes, List<FieldError> errors)
    {
        if (containers is null) return;
        for (var i = 0; i < containers.Count; i++)
        {
            var cp = FieldPath.Index(path, i);
            if (containers[i] is not { } c)
            {
                errors.Required(cp);
                continue;
            }
            ContainerRules.Validate(c, cp, names, errors);
            var mounts = c.VolumeMounts ?? [];
            for (var m = 0; m < mounts.Count; m++)
            {
                var mp = FieldPath.Index(FieldPath.Child(cp, "volumeMounts"), m);
                if (string.IsNullOrEmpty(mounts[m].Name)) errors.Required(FieldPath.Child(mp, "name"));
                else if (!volumes.Contains(mounts[m].Name)) errors.Add(new FieldError(FieldPath.Child(mp, "name"), $"Not found: \"{mounts[m].Name}\""));
                if (string.IsNullOrEmpty(mounts[m].MountPath)) errors.Required(FieldPath.Child(mp, "mountPath"));
            }
        }
    }

    private static HashSet<string> ValidateVolumes(IList<V1Volume>? volumes, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (volumes is null) return names;
        for (var i = 0; i < volumes.Count; i++)
        {
            var np = FieldPath.Child(FieldPath.Index(path, i), "name");
            var name = volumes[i].Name;
            if (string.IsNullOrEmpty(name))
            {
                errors.Required(np);
                continue;
            }
            errors.InvalidEach(np, name, KubernetesNames.ValidateDns1123Label(name));
            if (!names.Add(name)) errors.Duplicate(np, name);
        }
        return names;
    }
}
