using k8s.Models;
using Switchyard.Model.Networking;

namespace Switchyard.Policy.Compilation;

/// <summary>Reads what policy needs from a V1Pod.</summary>
internal static class PodEntries
{
    /// <summary>Pods that have finished (Succeeded or Failed) hold no address and take part in no traffic.</summary>
    public static bool IsFinished(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>A pod IP as policy compares it: an IPv4-mapped IPv6 address is taken as the IPv4 address it carries.</summary>
    public static bool TryAddress(string? text, out NetAddress address)
    {
        var parsed = NetAddress.TryParseLenient(text, out address);
        address = address.Unmap();
        return parsed;
    }

    public static PodEntry Create(V1Pod pod, int identity, Func<string, int> nameId)
    {
        var ns = string.IsNullOrEmpty(pod.Metadata?.NamespaceProperty) ? NetworkPolicyCompiler.DefaultNamespace : pod.Metadata.NamespaceProperty;
        NetAddress? primary = TryAddress(pod.Status?.PodIP, out var a) ? a : null;
        var addresses = new List<NetAddress>();
        if (primary is { } p) addresses.Add(p);
        foreach (var ip in pod.Status?.PodIPs ?? [])
        {
            if (TryAddress(ip?.Ip, out var extra) && !addresses.Contains(extra)) addresses.Add(extra);
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
        var named = ports.Where(x => x.Name is not null).ToArray();
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
            NamedPorts = named,
            NamedPortIds = named.Select(x => nameId(x.Name!)).ToArray(),
            Source = pod,
        };
    }
}
