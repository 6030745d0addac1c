using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io TLSRoute (v1 since Gateway API v1.5): TLS connections routed by the server name of
/// their ClientHello (SNI) to weighted backends, without looking inside. Attaches to listeners of protocol TLS: in
/// mode Passthrough the encrypted bytes go to the backend as they are; in mode Terminate the gateway ends TLS and
/// sends the plaintext bytes.
/// </summary>
public sealed class TLSRoute : IKubernetesObject<V1ObjectMeta>, ISpec<TLSRouteSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public TLSRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public TLSRouteStatus? Status { get; set; }
}

public sealed class TLSRouteSpec
{
    /// <summary>At most 32.</summary>
    [JsonPropertyName("parentRefs")] public IList<ParentReference>? ParentRefs { get; set; }

    /// <summary>1 to 1024 SNI names, no IP addresses; a name may start with the wildcard label "*.".</summary>
    [JsonPropertyName("hostnames")] public IList<string>? Hostnames { get; set; }

    /// <summary>Exactly one.</summary>
    [JsonPropertyName("rules")] public IList<TLSRouteRule>? Rules { get; set; }
}

public sealed class TLSRouteRule
{
    /// <summary>Optional, unique within the route.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>1 to 16, chosen by weight per connection.</summary>
    [JsonPropertyName("backendRefs")] public IList<BackendRef>? BackendRefs { get; set; }
}

/// <summary>A weighted reference to a backend (a Service port by default), as L4 routes use it.</summary>
public sealed class BackendRef
{
    /// <summary>Defaults to "" (the core group).</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    /// <summary>Defaults to Service.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    /// <summary>Required when the referent is a Service.</summary>
    [JsonPropertyName("port")] public int? Port { get; set; }

    /// <summary>Defaults to 1; 0 sends nothing to this backend.</summary>
    [JsonPropertyName("weight")] public int? Weight { get; set; }
}

public sealed class TLSRouteStatus
{
    [JsonPropertyName("parents")] public IList<RouteParentStatus>? Parents { get; set; }
}
