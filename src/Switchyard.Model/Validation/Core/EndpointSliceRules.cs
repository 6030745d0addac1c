using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>API rules of discovery.k8s.io/v1 EndpointSlice: address type, endpoints (addresses of that type), ports.</summary>
internal sealed class EndpointSliceRules : KindRules<V1EndpointSlice>
{
    public const int MaxEndpoints = 1000;
    public const int MaxAddresses = 100;
    public const int MaxPorts = 20000;

    private static readonly string[] AddressTypes = ["IPv4", "IPv6", "FQDN"];

    protected override void Default(V1EndpointSlice obj)
    {
        foreach (var p in obj.Ports ?? [])
        {
            p.Protocol ??= "TCP";
            p.Name ??= "";
        }
    }

    protected override void Validate(V1EndpointSlice obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        var type = obj.AddressType;
        var typeKnown = false;
        if (string.IsNullOrEmpty(type)) errors.Required("addressType");
        else if (!AddressTypes.Contains(type, StringComparer.Ordinal)) errors.NotSupported("addressType", type, AddressTypes);
        else typeKnown = true;

        var endpoints = obj.Endpoints ?? [];
        if (endpoints.Count > MaxEndpoints) errors.TooMany("endpoints", endpoints.Count, MaxEndpoints);
        for (var i = 0; i < endpoints.Count; i++)
        {
            ValidateEndpoint(endpoints[i], FieldPath.Index("endpoints", i), typeKnown ? type : null, errors);
        }
        ValidatePorts(obj.Ports ?? [], errors);
    }

    private static void ValidateEndpoint(V1Endpoint e, string path, string? type, List<FieldError> errors)
    {
        var ap = FieldPath.Child(path, "addresses");
        var addresses = e.Addresses ?? [];
        if (addresses.Count == 0) errors.Required(ap, "must contain at least 1 address");
        else if (addresses.Count > MaxAddresses) errors.TooMany(ap, addresses.Count, MaxAddresses);
        for (var j = 0; j < addresses.Count; j++)
        {
            var p = FieldPath.Index(ap, j);
            var a = addresses[j] ?? "";
            switch (type)
            {
                case "IPv4":
                    if (!IpRules.IsIPv4(a)) errors.Invalid(p, a, "must be a valid IPv4 address");
                    break;
                case "IPv6":
                    if (!IpRules.IsIPv6(a)) errors.Invalid(p, a, "must be a valid IPv6 address");
                    break;
                case "FQDN":
                    errors.InvalidEach(p, a, KubernetesNames.ValidateDns1123Subdomain(a));
                    break;
            }
        }
        if (!string.IsNullOrEmpty(e.Hostname)) errors.InvalidEach(FieldPath.Child(path, "hostname"), e.Hostname, KubernetesNames.ValidateDns1123Label(e.Hostname));
        if (!string.IsNullOrEmpty(e.NodeName)) errors.InvalidEach(FieldPath.Child(path, "nodeName"), e.NodeName, KubernetesNames.ValidateDns1123Subdomain(e.NodeName));
        if (e.TargetRef is { } t)
        {
            var tp = FieldPath.Child(path, "targetRef");
            if (string.IsNullOrEmpty(t.Name)) errors.Required(FieldPath.Child(tp, "name"));
            if (!string.IsNullOrEmpty(t.NamespaceProperty)) errors.InvalidEach(FieldPath.Child(tp, "namespace"), t.NamespaceProperty, KubernetesNames.ValidateDns1123Label(t.NamespaceProperty));
        }
    }

    private static void ValidatePorts(IList<Discoveryv1EndpointPort> ports, List<FieldError> errors)
    {
        if (ports.Count > MaxPorts) errors.TooMany("ports", ports.Count, MaxPorts);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var pp = FieldPath.Index("ports", i);
            var name = p.Name ?? "";
            if (name.Length > 0) errors.InvalidEach(FieldPath.Child(pp, "name"), name, KubernetesNames.ValidateDns1123Label(name));
            if (!names.Add(name)) errors.Duplicate(FieldPath.Child(pp, "name"), name);
            PortRules.ValidateProtocol(p.Protocol, FieldPath.Child(pp, "protocol"), errors);
            if (p.Port is { } n) PortRules.ValidatePortNumber(n, FieldPath.Child(pp, "port"), errors);
            if (!string.IsNullOrEmpty(p.AppProtocol)) errors.InvalidEach(FieldPath.Child(pp, "appProtocol"), p.AppProtocol, KubernetesNames.ValidateQualifiedName(p.AppProtocol));
        }
    }
}
