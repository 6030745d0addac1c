using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io TCPRoute (v1alpha2; v1 since Gateway API v1.6): every connection to the port of a
/// listener of protocol TCP goes to weighted backends, its bytes untouched. There is nothing to match on: a TCP
/// listener is served by one route.
/// </summary>
public sealed class TCPRoute : IKubernetesObject<V1ObjectMeta>, ISpec<TCPRouteSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public TCPRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public TCPRouteStatus? Status { get; set; }
}

public sealed class TCPRouteSpec
{
    /// <summary>At most 32; a parentRef's sectionName and port pick listeners as for other routes.</summary>
    [JsonPropertyName("parentRefs")] public IList<ParentReference>? ParentRefs { get; set; }

    /// <summary>Exactly one (the v1 CRD's limit; v1alpha2 allowed 16, which no implementation could serve on one port).</summary>
    [JsonPropertyName("rules")] public IList<TCPRouteRule>? Rules { get; set; }
}

public sealed class TCPRouteRule
{
    /// <summary>Optional, unique within the route.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>1 to 16, chosen by weight per connection.</summary>
    [JsonPropertyName("backendRefs")] public IList<BackendRef>? BackendRefs { get; set; }
}

public sealed class TCPRouteStatus
{
    [JsonPropertyName("parents")] public IList<RouteParentStatus>? Parents { get; set; }
}
