using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>
/// API rules of Pod: metadata, the pod spec (containers, ports, env, probes, policies) and the
/// status fields Switchyard reads (podIP/podIPs, phase, conditions).
/// </summary>
internal sealed class PodRules : KindRules<V1Pod>
{
    private static readonly string[] Phases = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
    private static readonly string[] ConditionStatuses = ["True", "False", "Unknown"];

    protected override void Default(V1Pod obj)
    {
        PodSpecRules.Default(obj.Spec);
        if (obj.Status is { } s)
        {
            // Either form of the pod IP fills in the other, so readers can rely on both.
            if (string.IsNullOrEmpty(s.PodIP) && s.PodIPs is [{ Ip: { Length: > 0 } first }, ..]) s.PodIP = first;
            if (!string.IsNullOrEmpty(s.PodIP) && (s.PodIPs is null || s.PodIPs.Count == 0)) s.PodIPs = [new V1PodIP { Ip = s.PodIP }];
        }
    }

    protected override void Validate(V1Pod obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        PodSpecRules.Validate(obj.Spec, "spec", errors);
        if (obj.Status is { } status) ValidateStatus(status, errors);
    }

    private static void ValidateStatus(V1PodStatus s, List<FieldError> errors)
    {
        if (s.Phase is { } phase && !Phases.Contains(phase, StringComparer.Ordinal)) errors.NotSupported("status.phase", phase, Phases);
        if (!string.IsNullOrEmpty(s.PodIP)) IpRules.ValidateIp(s.PodIP, "status.podIP", errors);
        if (!string.IsNullOrEmpty(s.HostIP)) IpRules.ValidateIp(s.HostIP, "status.hostIP", errors);
        var ips = s.PodIPs ?? [];
        if (ips.Count > 2) errors.TooMany("status.podIPs", ips.Count, 2);
        var families = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ips.Count; i++)
        {
            var p = FieldPath.Child(FieldPath.Index("status.podIPs", i), "ip");
            var ip = ips[i]?.Ip;
            if (string.IsNullOrEmpty(ip))
            {
                errors.Required(p);
                continue;
            }
            var family = IpRules.FamilyOf(ip);
            if (family is null)
            {
                errors.Invalid(p, ip, IpRules.IpMessage);
                continue;
            }
            if (!seen.Add(ip)) errors.Duplicate(p, ip);
            else if (!families.Add(family)) errors.Invalid(p, ip, "may specify no more than one IP for each IP family");
        }
        if (!string.IsNullOrEmpty(s.PodIP) && ips.Count > 0 && ips[0]?.Ip is { Length: > 0 } first && first != s.PodIP)
        {
            errors.Invalid("status.podIPs[0].ip", first, $"must match status.podIP \"{s.PodIP}\"");
        }
        var conditions = s.Conditions ?? [];
        var types = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < conditions.Count; i++)
        {
            var cp = FieldPath.Index("status.conditions", i);
            var c = conditions[i];
            if (string.IsNullOrEmpty(c.Type)) errors.Required(FieldPath.Child(cp, "type"));
            else if (!types.Add(c.Type)) errors.Duplicate(FieldPath.Child(cp, "type"), c.Type);
            if (string.IsNullOrEmpty(c.Status)) errors.Required(FieldPath.Child(cp, "status"));
            else if (!ConditionStatuses.Contains(c.Status, StringComparer.Ordinal)) errors.NotSupported(FieldPath.Child(cp, "status"), c.Status, ConditionStatuses);
        }
    }
}
