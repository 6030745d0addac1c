using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io UDPRoute (v1alpha2, experimental channel): every datagram to the port of a listener of
/// protocol UDP goes to weighted backends, its bytes untouched; the datagrams of one client (source address and port)
/// stay with one endpoint while they keep coming. There is nothing to match on: a UDP listener is served by one route.
/// </summary>
public sealed class UDPRoute : IKubernetesObject<V1ObjectMeta>, ISpec<UDPRouteSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public UDPRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public UDPRouteStatus? Status { get; set; }
}

public sealed class UDPRouteSpec
{
    /// <summary>At most 32; a parentRef's sectionName and port pick listeners as for other routes.</summary>
    [JsonPropertyName("parentRefs")] public IList<ParentReference>? ParentRefs { get; set; }

    /// <summary>Exactly one, as for TCPRoute: nothing tells a port's datagrams apart, so a second rule could never be reached.</summary>
    [JsonPropertyName("rules")] public IList<UDPRouteRule>? Rules { get; set; }
}

public sealed class UDPRouteRule
{
    /// <summary>Optional, unique within the route.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>1 to 16, chosen by weight per client session.</summary>
    [JsonPropertyName("backendRefs")] public IList<BackendRef>? BackendRefs { get; set; }
}

public sealed class UDPRouteStatus
{
    [JsonPropertyName("parents")] public IList<RouteParentStatus>? Parents { get; set; }
}
