using System.Net;
using k8s.Models;

namespace Switchyard.Proxy.NodeProxy;

/// <summary>One address the proxy listens on: a cluster IP and a service port (TCP).</summary>
public readonly record struct ListenKey(IPAddress Address, int Port)
{
    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}

/// <summary>
/// Where one service port sends connections: the ready endpoints, or — only when none is ready — the
/// ones that are terminating but still serving (as kube-proxy falls back); and the session affinity.
/// </summary>
public sealed record ServicePortTarget(string Service, string PortName, IReadOnlyList<IPEndPoint> Endpoints, TimeSpan? AffinityTimeout)
{
    public string Describe => PortName.Length == 0 ? Service : $"{Service}:{PortName}";
}

/// <summary>
/// The compiled view the proxy serves, rebuilt from Services and EndpointSlices on every change:
/// each TCP port of each ClusterIP Service (every cluster IP, both families) mapped to its target.
/// Headless Services and ExternalName Services have no cluster IP and are skipped.
/// </summary>
public static class ServiceTable
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    private const int DefaultAffinitySeconds = 10800;

    public static Dictionary<ListenKey, ServicePortTarget> Build(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices)
    {
        var slicesByService = slices
            .Where(s => s.Metadata?.Labels is { } l && l.ContainsKey(ServiceNameLabel))
            .GroupBy(s => (s.Metadata.NamespaceProperty ?? "", s.Metadata.Labels[ServiceNameLabel]))
            .ToDictionary(g => g.Key, g => g.ToList());
        var table = new Dictionary<ListenKey, ServicePortTarget>();
        foreach (var svc in services)
        {
            if (svc.Spec is not { } spec || spec.Type == "ExternalName") continue;
            var ips = (spec.ClusterIPs is { Count: > 0 } list ? list : spec.ClusterIP is { } one ? [one] : [])
                .Select(ip => IPAddress.TryParse(ip, out var a) ? a : null).OfType<IPAddress>().ToList();
            if (ips.Count == 0) continue;
            var ns = svc.Metadata.NamespaceProperty ?? "";
            var name = $"{ns}/{svc.Metadata.Name}";
            var ownSlices = slicesByService.GetValueOrDefault((ns, svc.Metadata.Name)) ?? [];
            var affinity = spec.SessionAffinity == "ClientIP"
                ? TimeSpan.FromSeconds(spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? DefaultAffinitySeconds)
                : (TimeSpan?)null;
            foreach (var port in spec.Ports ?? [])
            {
                if ((port.Protocol ?? "TCP") != "TCP") continue;
                var portName = port.Name ?? "";
                foreach (var ip in ips)
                {
                    var endpoints = EndpointsFor(ownSlices, portName, ip.AddressFamily);
                    table[new ListenKey(ip, port.Port)] = new ServicePortTarget(name, portName, endpoints, affinity);
                }
            }
        }
        return table;
    }

    private static List<IPEndPoint> EndpointsFor(List<V1EndpointSlice> slices, string portName, System.Net.Sockets.AddressFamily family)
    {
        var ready = new List<IPEndPoint>();
        var terminating = new List<IPEndPoint>();
        foreach (var slice in slices)
        {
            var port = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == portName && (p.Protocol ?? "TCP") == "TCP");
            if (port?.Port is not { } number) continue;
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                var address = endpoint.Addresses?.FirstOrDefault();
                if (address is null || !IPAddress.TryParse(address, out var ip) || ip.AddressFamily != family) continue;
                var c = endpoint.Conditions;
                var isTerminating = c?.Terminating == true;
                // Kubernetes: a nil ready condition means ready; a terminating endpoint is never "ready".
                if (!isTerminating && (c?.Ready ?? true)) ready.Add(new IPEndPoint(ip, number));
                else if (isTerminating && c?.Serving == true) terminating.Add(new IPEndPoint(ip, number));
            }
        }
        var chosen = ready.Count > 0 ? ready : terminating;
        return [.. chosen.Distinct().OrderBy(e => e.ToString(), StringComparer.Ordinal)];
    }
}
