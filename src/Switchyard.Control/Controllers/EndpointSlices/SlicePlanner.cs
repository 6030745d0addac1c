using k8s.Models;
using Switchyard.Control.Admission;
using Switchyard.Model.Networking;

namespace Switchyard.Control.Controllers.EndpointSlices;

/// <summary>The writes that bring one Service's managed slices to the desired state.</summary>
internal sealed record SlicePlan(List<V1EndpointSlice> Create, List<V1EndpointSlice> Update, List<V1EndpointSlice> Delete)
{
    public bool IsEmpty => Create.Count == 0 && Update.Count == 0 && Delete.Count == 0;
}

/// <summary>
/// Plans slice writes the way Kubernetes' reconciler does, to keep churn low: endpoints stay in the
/// slice that already holds them; new endpoints fill existing slices of the same (family, ports)
/// group before new slices are made; a slice left empty is deleted; a family with no endpoints keeps
/// one empty placeholder slice. New slices are named <c>&lt;service&gt;-&lt;ipv4|ipv6&gt;-&lt;n&gt;</c>
/// with the smallest free n, the service part shortened so the name stays within 63 characters.
/// </summary>
internal static class SlicePlanner
{
    public static SlicePlan Plan(
        V1Service service,
        IReadOnlyList<IpFamily> families,
        Dictionary<(IpFamily, string), EndpointGroup> desired,
        IReadOnlyList<V1EndpointSlice> existing,
        int maxPerSlice,
        ISet<string> unavailableNames)
    {
        var plan = new SlicePlan([], [], []);
        var labels = LabelsFor(service);
        var owner = OwnerFor(service);
        var names = new HashSet<string>(existing.Select(s => s.Metadata.Name), StringComparer.Ordinal);
        names.UnionWith(unavailableNames);

        var groups = desired.Values.ToList();
        foreach (var family in families)
        {
            if (!groups.Any(g => g.Family == family)) groups.Add(new EndpointGroup(family, "", [], []));
        }
        var wanted = groups.Select(g => (g.Family, g.PortKey)).ToHashSet();
        var byGroup = new Dictionary<(IpFamily, string), List<V1EndpointSlice>>();
        foreach (var slice in existing.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var family = IpFamilies.Parse(slice.AddressType);
            var key = (family ?? IpFamily.IPv4, DesiredEndpoints.PortKey(slice.Ports));
            if (family is null || !wanted.Contains(key))
            {
                plan.Delete.Add(slice);
                continue;
            }
            if (!byGroup.TryGetValue(key, out var list)) byGroup[key] = list = [];
            list.Add(slice);
        }

        foreach (var group in groups)
        {
            PlanGroup(group, byGroup.GetValueOrDefault((group.Family, group.PortKey)) ?? [], service, labels, owner, maxPerSlice, plan);
        }
        NameOrRecycle(service, plan, names);
        return plan;
    }

    private static void PlanGroup(
        EndpointGroup group, List<V1EndpointSlice> slices, V1Service service, Dictionary<string, string> labels,
        V1OwnerReference owner, int maxPerSlice, SlicePlan plan)
    {
        var wanted = new Dictionary<string, V1Endpoint>(StringComparer.Ordinal);
        foreach (var e in group.Endpoints) wanted[EndpointKey(e)] = e;
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<(V1EndpointSlice Slice, List<V1Endpoint> Endpoints)>();

        foreach (var slice in slices)
        {
            var endpoints = new List<V1Endpoint>();
            foreach (var e in slice.Endpoints ?? [])
            {
                var key = EndpointKey(e);
                if (endpoints.Count < maxPerSlice && wanted.TryGetValue(key, out var fresh) && placed.Add(key)) endpoints.Add(fresh);
            }
            var isPlaceholderToKeep = group.Endpoints.Count == 0 && kept.Count == 0;
            if (endpoints.Count == 0 && !isPlaceholderToKeep)
            {
                plan.Delete.Add(slice);
                continue;
            }
            kept.Add((slice, endpoints));
        }

        var remaining = new Queue<V1Endpoint>(group.Endpoints.Where(e => !placed.Contains(EndpointKey(e))));
        foreach (var (_, endpoints) in kept)
        {
            while (endpoints.Count < maxPerSlice && remaining.Count > 0) endpoints.Add(remaining.Dequeue());
        }

        foreach (var (slice, endpoints) in kept)
        {
            var desired = Build(service, group, labels, owner, slice.Metadata.Name, endpoints);
            if (SliceEquality.SameContent(slice, desired)) continue;
            slice.Metadata.Labels = desired.Metadata.Labels;
            slice.Metadata.OwnerReferences = desired.Metadata.OwnerReferences;
            slice.AddressType = desired.AddressType;
            slice.Ports = desired.Ports;
            slice.Endpoints = desired.Endpoints;
            plan.Update.Add(slice);
        }

        var needPlaceholder = group.Endpoints.Count == 0 && kept.Count == 0;
        while (remaining.Count > 0 || needPlaceholder)
        {
            needPlaceholder = false;
            var chunk = new List<V1Endpoint>();
            while (chunk.Count < maxPerSlice && remaining.Count > 0) chunk.Add(remaining.Dequeue());
            plan.Create.Add(Build(service, group, labels, owner, "", chunk));
        }
    }

    /// <summary>
    /// A slice about to be created takes over a slice of the same address type that is about to be
    /// deleted (one update instead of a delete and a create, as Kubernetes recycles slices); the rest
    /// get fresh names.
    /// </summary>
    private static void NameOrRecycle(V1Service service, SlicePlan plan, HashSet<string> names)
    {
        foreach (var created in plan.Create.ToList())
        {
            var recycled = plan.Delete.FirstOrDefault(d => d.AddressType == created.AddressType);
            if (recycled is null)
            {
                created.Metadata.Name = NextName(service.Metadata.Name, IpFamilies.Parse(created.AddressType) ?? IpFamily.IPv4, names);
                continue;
            }
            plan.Delete.Remove(recycled);
            plan.Create.Remove(created);
            recycled.Metadata.Labels = created.Metadata.Labels;
            recycled.Metadata.OwnerReferences = created.Metadata.OwnerReferences;
            recycled.Ports = created.Ports;
            recycled.Endpoints = created.Endpoints;
            plan.Update.Add(recycled);
        }
    }

    private static V1EndpointSlice Build(V1Service service, EndpointGroup group, Dictionary<string, string> labels, V1OwnerReference owner, string name, List<V1Endpoint> endpoints) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = service.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
            OwnerReferences = [owner],
        },
        AddressType = IpFamilies.Name(group.Family),
        Ports = [.. group.Ports],
        Endpoints = endpoints.OrderBy(e => e.TargetRef?.Name, StringComparer.Ordinal).ThenBy(e => e.Addresses?.FirstOrDefault(), StringComparer.Ordinal).ToList(),
    };

    /// <summary>The Service's own labels, plus service-name, managed-by and (for headless Services) the headless label.</summary>
    public static Dictionary<string, string> LabelsFor(V1Service service)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in service.Metadata.Labels ?? new Dictionary<string, string>())
        {
            if (k is EndpointSliceLabels.ServiceName or EndpointSliceLabels.ManagedBy or EndpointSliceLabels.Headless) continue;
            labels[k] = v;
        }
        labels[EndpointSliceLabels.ServiceName] = service.Metadata.Name;
        labels[EndpointSliceLabels.ManagedBy] = EndpointSliceLabels.ControllerName;
        if (service.Spec?.ClusterIP == ClusterIPs.None) labels[EndpointSliceLabels.Headless] = "";
        return labels;
    }

    private static V1OwnerReference OwnerFor(V1Service service) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Name = service.Metadata.Name,
        Uid = service.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    private static string EndpointKey(V1Endpoint e) => e.TargetRef?.Name ?? e.Addresses?.FirstOrDefault() ?? "";

    private static string NextName(string service, IpFamily family, HashSet<string> names)
    {
        var suffixFamily = family == IpFamily.IPv4 ? "ipv4" : "ipv6";
        for (var n = 0; ; n++)
        {
            var suffix = $"-{suffixFamily}-{n}";
            var prefix = service.Length + suffix.Length > 63 ? service[..(63 - suffix.Length)].TrimEnd('-', '.') : service;
            var name = prefix + suffix;
            if (names.Add(name)) return name;
        }
    }
}
