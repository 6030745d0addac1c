using k8s.Models;
using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Core;

/// <summary>
/// API rules of Service: type, ports (protocol TCP and targetPort = port by default), cluster IPs and
/// IP families, ExternalName, session affinity, traffic policies and the selector.
/// </summary>
internal sealed class ServiceRules : KindRules<V1Service>
{
    private static readonly string[] Types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    private static readonly string[] Affinities = ["ClientIP", "None"];
    private static readonly string[] Families = ["IPv4", "IPv6"];
    private static readonly string[] FamilyPolicies = ["SingleStack", "PreferDualStack", "RequireDualStack"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];

    public const int DefaultClientIpTimeoutSeconds = 10800;
    public const int MaxClientIpTimeoutSeconds = 86400;

    protected override void Default(V1Service obj)
    {
        var spec = obj.Spec ??= new V1ServiceSpec();
        spec.Type ??= "ClusterIP";
        spec.SessionAffinity ??= "None";
        if (spec.SessionAffinity == "ClientIP")
        {
            spec.SessionAffinityConfig ??= new V1SessionAffinityConfig();
            spec.SessionAffinityConfig.ClientIP ??= new V1ClientIPConfig();
            spec.SessionAffinityConfig.ClientIP.TimeoutSeconds ??= DefaultClientIpTimeoutSeconds;
        }
        foreach (var p in spec.Ports ?? [])
        {
            p.Protocol ??= "TCP";
            if (p.TargetPort?.Value is null or "" or "0") p.TargetPort = p.Port;
        }
        if (spec.Type == "ExternalName") return;
        spec.InternalTrafficPolicy ??= "Cluster";
        if (spec.Type is "NodePort" or "LoadBalancer") spec.ExternalTrafficPolicy ??= "Cluster";
        if ((spec.ClusterIP == "None" || IpRules.FamilyOf(spec.ClusterIP) is not null) && (spec.ClusterIPs is null || spec.ClusterIPs.Count == 0)) spec.ClusterIPs = [spec.ClusterIP!];
        if (string.IsNullOrEmpty(spec.ClusterIP) && spec.ClusterIPs is [{ Length: > 0 } first, ..]) spec.ClusterIP = first;
        if (spec.IpFamilies is null or { Count: 0 } && spec.ClusterIPs is { Count: > 0 } ips && ips.All(ip => IpRules.FamilyOf(ip) is not null))
        {
            spec.IpFamilies = [.. ips.Select(ip => IpRules.FamilyOf(ip)!)];
        }
        spec.IpFamilyPolicy ??= spec.ClusterIPs is { Count: 2 } ? "RequireDualStack" : "SingleStack";
    }

    protected override void Validate(V1Service obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Metadata?.Annotations?.TryGetValue(ProxyProtocolAnnotations.Service, out var proxyProtocol) == true && !ProxyProtocolAnnotations.ServiceValues.Contains(proxyProtocol))
            errors.NotSupported(ProxyProtocolAnnotations.PathOf(ProxyProtocolAnnotations.Service), proxyProtocol, ProxyProtocolAnnotations.ServiceValues);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        var type = spec.Type ?? "ClusterIP";
        if (!Types.Contains(type, StringComparer.Ordinal)) errors.NotSupported("spec.type", type, Types);
        var headless = spec.ClusterIP == "None";
        if (type == "ExternalName") ValidateExternalName(spec, errors);
        else ServiceIpRules.Validate(spec, errors);

        var ports = spec.Ports ?? [];
        if (ports.Count == 0 && !headless && type != "ExternalName") errors.Required("spec.ports");
        ValidatePorts(ports, type, errors);

        MetadataRules.ValidateLabels(spec.Selector, "spec.selector", errors);
        ValidateAffinity(spec, errors);
        if (spec.InternalTrafficPolicy is { } itp && !TrafficPolicies.Contains(itp, StringComparer.Ordinal))
        {
            errors.NotSupported("spec.internalTrafficPolicy", itp, TrafficPolicies);
        }
        if (spec.ExternalTrafficPolicy is { } etp)
        {
            if (type is not ("NodePort" or "LoadBalancer")) errors.Forbidden("spec.externalTrafficPolicy", "may only be set when `type` is 'NodePort' or 'LoadBalancer'");
            else if (!TrafficPolicies.Contains(etp, StringComparer.Ordinal)) errors.NotSupported("spec.externalTrafficPolicy", etp, TrafficPolicies);
        }
        var external = spec.ExternalIPs ?? [];
        for (var i = 0; i < external.Count; i++) IpRules.ValidateIp(external[i], FieldPath.Index("spec.externalIPs", i), errors);
    }

    private static void ValidateExternalName(V1ServiceSpec spec, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(spec.ExternalName)) errors.Required("spec.externalName");
        else
        {
            var name = spec.ExternalName.EndsWith('.') ? spec.ExternalName[..^1] : spec.ExternalName;
            errors.InvalidEach("spec.externalName", spec.ExternalName, KubernetesNames.ValidateDns1123Subdomain(name));
        }
        if (!string.IsNullOrEmpty(spec.ClusterIP)) errors.Forbidden("spec.clusterIP", "may not be set for type 'ExternalName'");
        if (spec.ClusterIPs is { Count: > 0 }) errors.Forbidden("spec.clusterIPs", "may not be set for type 'ExternalName'");
        if (spec.IpFamilies is { Count: > 0 }) errors.Forbidden("spec.ipFamilies", "may not be set for type 'ExternalName'");
        if (spec.IpFamilyPolicy is not null) errors.Forbidden("spec.ipFamilyPolicy", "may not be set for type 'ExternalName'");
    }

    private static void ValidatePorts(IList<V1ServicePort> ports, string type, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var portProtocols = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var pp = FieldPath.Index("spec.ports", i);
            var np = FieldPath.Child(pp, "name");
            if (string.IsNullOrEmpty(p.Name))
            {
                if (ports.Count > 1) errors.Required(np);
            }
            else
            {
                errors.InvalidEach(np, p.Name, KubernetesNames.ValidateDns1123Label(p.Name));
                if (!names.Add(p.Name)) errors.Duplicate(np, p.Name);
            }
            PortRules.ValidatePortNumber(p.Port, FieldPath.Child(pp, "port"), errors);
            PortRules.ValidateProtocol(p.Protocol, FieldPath.Child(pp, "protocol"), errors);
            if (!portProtocols.Add($"{p.Port}/{p.Protocol}")) errors.Duplicate(pp, $"{p.Port}/{p.Protocol}");
            // A targetPort defaulted from an invalid port was already reported at "port".
            if (!(p.TargetPort?.Value == p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) && !PortRules.IsValidPort(p.Port)))
            {
                PortRules.ValidatePortNumOrName(p.TargetPort, FieldPath.Child(pp, "targetPort"), errors);
            }
            if (p.NodePort is { } node && node != 0)
            {
                if (type is not ("NodePort" or "LoadBalancer")) errors.Forbidden(FieldPath.Child(pp, "nodePort"), $"may not be used when `type` is '{type}'");
                else PortRules.ValidatePortNumber(node, FieldPath.Child(pp, "nodePort"), errors);
            }
            if (!string.IsNullOrEmpty(p.AppProtocol)) errors.InvalidEach(FieldPath.Child(pp, "appProtocol"), p.AppProtocol, KubernetesNames.ValidateQualifiedName(p.AppProtocol));
        }
    }

    private static void ValidateAffinity(V1ServiceSpec spec, List<FieldError> errors)
    {
        var affinity = spec.SessionAffinity ?? "None";
        if (!Affinities.Contains(affinity, StringComparer.Ordinal))
        {
            errors.NotSupported("spec.sessionAffinity", affinity, Affinities);
            return;
        }
        if (affinity == "None")
        {
            if (spec.SessionAffinityConfig?.ClientIP is not null) errors.Forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None");
            return;
        }
        var timeout = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds;
        if (timeout is null) errors.Required("spec.sessionAffinityConfig.clientIP.timeoutSeconds");
        else if (timeout is <= 0 or > MaxClientIpTimeoutSeconds)
        {
            errors.Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout.Value, $"must be greater than 0 and less than or equal to {MaxClientIpTimeoutSeconds}");
        }
    }

    /// <summary>The IP family fields: clusterIP/clusterIPs, ipFamilies and ipFamilyPolicy, checked for consistency.</summary>
    private static class ServiceIpRules
    {
        public static void Validate(V1ServiceSpec spec, List<FieldError> errors)
        {
            var ip = spec.ClusterIP;
            if (!string.IsNullOrEmpty(ip) && ip != "None" && IpRules.FamilyOf(ip) is null)
            {
                errors.Invalid("spec.clusterIP", ip, "must be empty, 'None', or a valid IP address");
            }
            var ips = spec.ClusterIPs ?? [];
            if (ips.Count > 2) errors.TooMany("spec.clusterIPs", ips.Count, 2);
            if (ips.Count > 0 && !string.IsNullOrEmpty(ip) && ips[0] != ip) errors.Invalid("spec.clusterIPs[0]", ips[0], "must match `clusterIP`");
            var ipFamilies = new List<string>();
            for (var i = 0; i < ips.Count; i++)
            {
                var p = FieldPath.Index("spec.clusterIPs", i);
                if (ips[i] == "None")
                {
                    if (ips.Count > 1) errors.Invalid(p, ips[i], "'None' must be the only value");
                    continue;
                }
                var family = IpRules.FamilyOf(ips[i]);
                if (family is null) errors.Invalid(p, ips[i], "must be 'None' or a valid IP address");
                else if (ipFamilies.Contains(family)) errors.Invalid(p, ips[i], "may not contain two IPs of the same family");
                else ipFamilies.Add(family);
            }
            var families = spec.IpFamilies ?? [];
            if (families.Count > 2) errors.TooMany("spec.ipFamilies", families.Count, 2);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < families.Count; i++)
            {
                var p = FieldPath.Index("spec.ipFamilies", i);
                if (!Families.Contains(families[i], StringComparer.Ordinal)) errors.NotSupported(p, families[i], Families);
                else if (!seen.Add(families[i])) errors.Duplicate(p, families[i]);
                else if (i < ipFamilies.Count && ipFamilies[i] != families[i]) errors.Invalid(p, families[i], $"does not match the family of clusterIPs[{i}]");
            }
            if (spec.IpFamilyPolicy is { } policy)
            {
                if (!FamilyPolicies.Contains(policy, StringComparer.Ordinal)) errors.NotSupported("spec.ipFamilyPolicy", policy, FamilyPolicies);
                else if (policy == "SingleStack" && (families.Count > 1 || ipFamilies.Count > 1))
                {
                    errors.Invalid("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified");
                }
            }
        }
    }
}
