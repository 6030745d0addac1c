using k8s.Models;

namespace Switchyard.Control.Controllers.EndpointSlices;

/// <summary>
/// Compares what the controller manages on a slice (labels, owner references, address type, ports,
/// endpoints) so a sync that would change nothing writes nothing.
/// </summary>
internal static class SliceEquality
{
    public static bool SameContent(V1EndpointSlice a, V1EndpointSlice b) =>
        a.AddressType == b.AddressType
        && SameLabels(a.Metadata?.Labels, b.Metadata?.Labels)
        && SameList(a.Metadata?.OwnerReferences, b.Metadata?.OwnerReferences, SameOwner)
        && SameList(a.Ports, b.Ports, SamePort)
        && SameList(a.Endpoints, b.Endpoints, SameEndpoint);

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        foreach (var (k, v) in a ?? new Dictionary<string, string>())
        {
            if (b is null || !b.TryGetValue(k, out var other) || other != v) return false;
        }
        return true;
    }

    private static bool SameList<T>(IList<T>? a, IList<T>? b, Func<T, T, bool> same)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        for (var i = 0; i < (a?.Count ?? 0); i++)
        {
            if (!same(a![i], b![i])) return false;
        }
        return true;
    }

    private static bool SameOwner(V1OwnerReference a, V1OwnerReference b) =>
        a.ApiVersion == b.ApiVersion && a.Kind == b.Kind && a.Name == b.Name && a.Uid == b.Uid
        && a.Controller == b.Controller && a.BlockOwnerDeletion == b.BlockOwnerDeletion;

    private static bool SamePort(Discoveryv1EndpointPort a, Discoveryv1EndpointPort b) =>
        (a.Name ?? "") == (b.Name ?? "") && a.Protocol == b.Protocol && a.Port == b.Port && a.AppProtocol == b.AppProtocol;

    private static bool SameEndpoint(V1Endpoint a, V1Endpoint b) =>
        SameList(a.Addresses, b.Addresses, string.Equals)
        && a.Conditions?.Ready == b.Conditions?.Ready
        && a.Conditions?.Serving == b.Conditions?.Serving
        && a.Conditions?.Terminating == b.Conditions?.Terminating
        && a.Hostname == b.Hostname && a.NodeName == b.NodeName && a.Zone == b.Zone
        && a.TargetRef?.Kind == b.TargetRef?.Kind && a.TargetRef?.NamespaceProperty == b.TargetRef?.NamespaceProperty
        && a.TargetRef?.Name == b.TargetRef?.Name && a.TargetRef?.Uid == b.TargetRef?.Uid;
}
