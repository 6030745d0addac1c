using System.Globalization;
using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Model.Networking;
using Switchyard.Model.Selectors;

namespace Switchyard.Control.Controllers.EndpointSlices;

/// <summary>Endpoints that share an address family and a resolved port list, and so may share slices.</summary>
internal sealed record EndpointGroup(IpFamily Family, string PortKey, IReadOnlyList<Discoveryv1EndpointPort> Ports, List<V1Endpoint> Endpoints);

/// <summary>
/// What the EndpointSlices of one Service should hold, computed from the Service and the Pods of its
/// namespace with the rules of Kubernetes' endpointslice controller.
/// </summary>
internal static class DesiredEndpoints
{
    /// <summary>
    /// Whether the controller makes slices for this Service: it must have a non-empty selector and not
    /// be ExternalName. (An empty selector counts as none, as it does once Kubernetes has stored it.)
    /// </summary>
    public static bool Manages(V1Service service) =>
        service.Spec is { Selector.Count: > 0 } spec && spec.Type != ServiceTypes.ExternalName;

    public static Selector SelectorOf(V1Service service) => Selector.FromMap(service.Spec?.Selector);

    /// <summary>
    /// The address families to publish: spec.ipFamilies; else the family of spec.clusterIP; else (an
    /// old-style headless Service with neither) the families of the selected pods' IPs, IPv4 if none.
    /// </summary>
    public static List<IpFamily> FamiliesOf(V1Service service, IReadOnlyList<V1Pod> pods)
    {
        var families = (service.Spec?.IpFamilies ?? []).Select(IpFamilies.Parse).OfType<IpFamily>().Distinct().ToList();
        if (families.Count > 0) return families;
        if (IpFamilies.TryParseStrict(service.Spec?.ClusterIP, out var clusterIp)) return [IpFamilies.Of(clusterIp)];
        var seen = pods.SelectMany(PodIps).Select(IpFamilies.Of).Distinct().Order().ToList();
        return seen.Count > 0 ? seen : [IpFamily.IPv4];
    }

    /// <summary>Groups the endpoints of the selected pods by (family, resolved ports).</summary>
    public static Dictionary<(IpFamily, string), EndpointGroup> Compute(V1Service service, IReadOnlyList<V1Pod> pods, IReadOnlyList<IpFamily> families)
    {
        var groups = new Dictionary<(IpFamily, string), EndpointGroup>();
        foreach (var pod in pods.OrderBy(p => p.Metadata?.Name, StringComparer.Ordinal))
        {
            if (!Eligible(pod)) continue;
            var ports = ResolvePorts(service, pod);
            var portKey = PortKey(ports);
            var ips = PodIps(pod).ToList();
            foreach (var family in families)
            {
                var ip = ips.FirstOrDefault(a => IpFamilies.Of(a) == family);
                if (ip is null) continue;
                if (!groups.TryGetValue((family, portKey), out var group))
                {
                    groups[(family, portKey)] = group = new EndpointGroup(family, portKey, ports, []);
                }
                group.Endpoints.Add(BuildEndpoint(service, pod, ip.ToString()));
            }
        }
        return groups;
    }

    /// <summary>Pods that have finished (Succeeded/Failed) or have no IP yet get no endpoint.</summary>
    public static bool Eligible(V1Pod pod) =>
        pod.Status?.Phase is not ("Succeeded" or "Failed") && PodIps(pod).Any();

    /// <summary>
    /// The endpoint ports of one pod, in Service port order: a numeric targetPort as is, a named one
    /// looked up in the pod's container ports by name and protocol. A port that cannot be resolved is
    /// left out of this pod's list (so the pod lands in a slice without that port).
    /// </summary>
    public static List<Discoveryv1EndpointPort> ResolvePorts(V1Service service, V1Pod pod)
    {
        var result = new List<Discoveryv1EndpointPort>();
        foreach (var sp in service.Spec?.Ports ?? [])
        {
            var protocol = sp.Protocol ?? "TCP";
            var number = ResolveTargetPort(sp, protocol, pod);
            if (number is null) continue;
            result.Add(new Discoveryv1EndpointPort
            {
                Name = sp.Name ?? "",
                Protocol = protocol,
                Port = number,
                AppProtocol = sp.AppProtocol,
            });
        }
        return result;
    }

    public static int? ResolveTargetPort(V1ServicePort servicePort, string protocol, V1Pod pod)
    {
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target)) return servicePort.Port;
        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return number;
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var cp in container.Ports ?? [])
            {
                if (cp.Name == target && (cp.Protocol ?? "TCP") == protocol) return cp.ContainerPort;
            }
        }
        return null;
    }

    /// <summary>A canonical text for a port list, to group endpoints and match existing slices.</summary>
    public static string PortKey(IEnumerable<Discoveryv1EndpointPort>? ports) =>
        string.Join("|", (ports ?? []).Select(p => $"{p.Name}/{p.Protocol ?? "TCP"}/{p.Port}/{p.AppProtocol}"));

    /// <summary>status.podIPs, or status.podIP when the list is empty; unparseable entries skipped.</summary>
    public static IEnumerable<System.Net.IPAddress> PodIps(V1Pod pod)
    {
        IEnumerable<string?> texts = pod.Status?.PodIPs is { Count: > 0 } list ? list.Select(p => (string?)p.Ip) : [pod.Status?.PodIP];
        foreach (var text in texts)
        {
            if (IpFamilies.TryParseStrict(text, out var address)) yield return address;
        }
    }

    /// <summary>
    /// ready = publishNotReadyAddresses, or (pod Ready and not terminating); serving = pod Ready;
    /// terminating = deletionTimestamp set. hostname only when the pod's subdomain names this Service.
    /// </summary>
    public static V1Endpoint BuildEndpoint(V1Service service, V1Pod pod, string address)
    {
        var podReady = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false;
        var terminating = pod.Metadata?.DeletionTimestamp is not null;
        var ready = (service.Spec?.PublishNotReadyAddresses ?? false) || (podReady && !terminating);
        var setHostname = !string.IsNullOrEmpty(pod.Spec?.Hostname)
            && pod.Spec.Subdomain == service.Metadata?.Name
            && pod.Metadata?.NamespaceProperty == service.Metadata?.NamespaceProperty;
        return new V1Endpoint
        {
            Addresses = [address],
            Conditions = new V1EndpointConditions { Ready = ready, Serving = podReady, Terminating = terminating },
            Hostname = setHostname ? pod.Spec!.Hostname : null,
            NodeName = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : pod.Spec.NodeName,
            TargetRef = new V1ObjectReference
            {
                Kind = "Pod",
                NamespaceProperty = pod.Metadata?.NamespaceProperty,
                Name = pod.Metadata?.Name,
                Uid = pod.Metadata?.Uid,
            },
        };
    }
}
