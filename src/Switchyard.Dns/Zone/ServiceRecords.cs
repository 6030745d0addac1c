using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Zone;

/// <summary>
/// The records the Kubernetes DNS specification (schema 1.1.0) requires for one Service and its EndpointSlices:
/// §2.3 ClusterIP services (A/AAAA, SRV per named port, PTR), §2.4 headless services (A/AAAA per ready endpoint,
/// per-endpoint hostname records, SRV per endpoint and named port, PTR), §2.5 ExternalName (CNAME).
/// </summary>
internal static class ServiceRecords
{
    public const string TolerateUnreadyAnnotation = "service.alpha.kubernetes.io/tolerate-unready-endpoints";
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    private const ushort SrvPriority = 0;
    private const ushort SrvWeight = 100;

    public static List<DnsRecord> For(V1Service service, IEnumerable<V1EndpointSlice> slices, string zone, uint ttl)
    {
        var records = new List<DnsRecord>();
        var ns = DnsNames.Lower(service.Metadata?.NamespaceProperty ?? "default");
        var name = DnsNames.Lower(service.Metadata?.Name ?? "");
        if (name.Length == 0) return records;
        var owner = $"{name}.{ns}.svc.{zone}";
        var spec = service.Spec;

        if (string.Equals(spec?.Type, "ExternalName", StringComparison.Ordinal))
        {
            var target = spec?.ExternalName?.TrimEnd('.');
            if (!string.IsNullOrEmpty(target)) records.Add(new DnsRecord(owner, RecordType.CNAME, ttl, new NameData(DnsNames.Lower(target))));
            return records;
        }

        var clusterIps = ClusterIps(spec);
        if (clusterIps.Count == 1 && clusterIps[0] == "None")
        {
            Headless(service, slices, owner, ttl, records);
            return records;
        }
        foreach (var text in clusterIps)
        {
            if (!IPAddress.TryParse(text, out var ip)) continue;
            records.Add(Address(owner, ip, ttl));
            records.Add(new DnsRecord(DnsNames.ReverseName(ip), RecordType.PTR, ttl, new NameData(owner)));
        }
        if (records.Count == 0) return records; // not allocated yet: no SRV pointing at a name without addresses
        foreach (var port in spec?.Ports ?? [])
        {
            if (string.IsNullOrEmpty(port.Name)) continue; // unnamed ports have no SRV record
            var srvName = $"_{DnsNames.Lower(port.Name)}._{Protocol(port.Protocol)}.{owner}";
            records.Add(new DnsRecord(srvName, RecordType.SRV, ttl, new SrvData(SrvPriority, SrvWeight, (ushort)port.Port, owner)));
        }
        return records;
    }

    private static List<string> ClusterIps(V1ServiceSpec? spec)
    {
        if (spec?.ClusterIPs is { Count: > 0 } ips) return [.. ips];
        return string.IsNullOrEmpty(spec?.ClusterIP) ? [] : [spec.ClusterIP];
    }

    private static void Headless(V1Service service, IEnumerable<V1EndpointSlice> slices, string owner, uint ttl, List<DnsRecord> records)
    {
        var publishNotReady = service.Spec?.PublishNotReadyAddresses == true ||
            (service.Metadata?.Annotations is { } annotations && annotations.TryGetValue(TolerateUnreadyAnnotation, out var tolerate) &&
             string.Equals(tolerate, "true", StringComparison.OrdinalIgnoreCase));
        var seen = new HashSet<DnsRecord>();
        void Add(DnsRecord r)
        {
            if (seen.Add(r)) records.Add(r);
        }

        foreach (var slice in slices.OrderBy(s => s.Metadata?.Name, StringComparer.Ordinal))
        {
            if (slice.AddressType is not ("IPv4" or "IPv6")) continue; // FQDN slices carry no addresses to publish
            var ports = (slice.Ports ?? []).Where(p => !string.IsNullOrEmpty(p.Name) && p.Port is not null).ToList();
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                // Kubernetes: a nil ready condition means ready.
                var ready = endpoint.Conditions?.Ready ?? true;
                if (!ready && !publishNotReady) continue;
                foreach (var text in endpoint.Addresses ?? [])
                {
                    if (!IPAddress.TryParse(text, out var ip)) continue;
                    var hostname = string.IsNullOrEmpty(endpoint.Hostname) ? DnsNames.Dashed(ip) : DnsNames.Lower(endpoint.Hostname);
                    var hostOwner = $"{hostname}.{owner}";
                    Add(Address(owner, ip, ttl));
                    Add(Address(hostOwner, ip, ttl));
                    Add(new DnsRecord(DnsNames.ReverseName(ip), RecordType.PTR, ttl, new NameData(hostOwner)));
                    foreach (var port in ports)
                    {
                        var srvName = $"_{DnsNames.Lower(port.Name)}._{Protocol(port.Protocol)}.{owner}";
                        Add(new DnsRecord(srvName, RecordType.SRV, ttl, new SrvData(SrvPriority, SrvWeight, (ushort)port.Port!.Value, hostOwner)));
                    }
                }
            }
        }
    }

    /// <summary>Pod records (<c>a-b-c-d.ns.pod.zone</c>) for every address a pod has, for the verified mode.</summary>
    public static List<DnsRecord> ForPod(V1Pod pod, string zone, uint ttl)
    {
        var records = new List<DnsRecord>();
        var ns = DnsNames.Lower(pod.Metadata?.NamespaceProperty ?? "default");
        foreach (var ip in PodAddresses(pod))
        {
            records.Add(Address($"{DnsNames.Dashed(ip)}.{ns}.pod.{zone}", ip, ttl));
        }
        return records;
    }

    public static IEnumerable<IPAddress> PodAddresses(V1Pod pod)
    {
        var texts = new List<string>();
        if (pod.Status?.PodIPs is { Count: > 0 } ips) texts.AddRange(ips.Select(i => i.Ip));
        else if (!string.IsNullOrEmpty(pod.Status?.PodIP)) texts.Add(pod.Status.PodIP);
        foreach (var t in texts.Distinct(StringComparer.Ordinal))
        {
            if (IPAddress.TryParse(t, out var ip)) yield return ip;
        }
    }

    public static DnsRecord Address(string owner, IPAddress ip, uint ttl) =>
        new(owner, ip.AddressFamily == AddressFamily.InterNetwork ? RecordType.A : RecordType.AAAA, ttl, new AddressData(ip));

    private static string Protocol(string? protocol) => string.IsNullOrEmpty(protocol) ? "tcp" : DnsNames.Lower(protocol);
}
