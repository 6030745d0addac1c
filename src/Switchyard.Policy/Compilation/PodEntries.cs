using k8s.Models;
using Switchyard.Policy.Addressing;

namespace Switchyard.Policy.Compilation;

/// <summary>Reads what policy needs from a V1Pod.</summary>
internal static class PodEntries
{
    /// <summary>Pods that have finished (Succeeded or Failed) hold no address and take part in no traffic.</summary>
    public static bool IsFinished(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    public static PodEntry Create(V1Pod pod, int identity)
    {
        var ns = string.IsNullOrEmpty(pod.Metadata?.NamespaceProperty) ? NetworkPolicyCompiler.DefaultNamespace : pod.Metadata.NamespaceProperty;
        NetAddress? primary = NetAddress.TryParse(pod.Status?.PodIP, out var a) ? a : null;
        var addresses = new List<NetAddress>();
        if (primary is { } p) addresses.Add(p);
        foreach (var ip in pod.Status?.PodIPs ?? [])
        {
            if (NetAddress.TryParse(ip?.Ip, out var extra) && !addresses.Contains(extra)) addresses.Add(extra);
        }
        if (primary is null && addresses.Count > 0) primary = addresses[0];
        var ports = new List<DeclaredPort>();
        foreach (var c in pod.Spec?.Containers ?? [])
        {
            foreach (var cp in c?.Ports ?? [])
            {
                if (cp is null) continue;
                if (!L4Protocols.TryParse(cp.Protocol, out var protocol)) continue;
                ports.Add(new DeclaredPort(string.IsNullOrEmpty(cp.Name) ? null : cp.Name, cp.ContainerPort, protocol));
            }
        }
        var labels = pod.Metadata?.Labels is { } l ? new Dictionary<string, string>(l, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal);
        return new PodEntry
        {
            Namespace = ns,
            Name = pod.Metadata?.Name ?? "",
            Identity = identity,
            Address = primary,
            Addresses = addresses,
            HostNetwork = pod.Spec?.HostNetwork == true,
            Labels = labels,
            Ports = [.. ports],
            NamedPorts = ports.Where(x => x.Name is not null).ToArray(),
            Source = pod,
        };
    }
}
