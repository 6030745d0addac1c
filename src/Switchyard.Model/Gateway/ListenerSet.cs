using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io ListenerSet (v1, Standard since Gateway API v1.5; GEP-1713): more listeners for an
/// existing Gateway, kept in their own object (and namespace) so that teams can add ports, hostnames and certificates
/// without write access to the Gateway. The Gateway must allow it (<see cref="GatewaySpec.AllowedListeners"/>). Routes
/// attach to its listeners with a parentRef of kind ListenerSet, optionally naming one listener in sectionName.
/// </summary>
public sealed class ListenerSet : IKubernetesObject<V1ObjectMeta>, ISpec<ListenerSetSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ListenerSetSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public ListenerSetStatus? Status { get; set; }
}

public sealed class ListenerSetSpec
{
    /// <summary>Required: the Gateway the listeners are added to.</summary>
    [JsonPropertyName("parentRef")] public ParentGatewayReference? ParentRef { get; set; }

    /// <summary>
    /// 1 to 64 listeners, names unique within this ListenerSet (not across the Gateway and other ListenerSets). The
    /// same fields as a Gateway's listeners; certificate references resolve in this ListenerSet's namespace.
    /// </summary>
    [JsonPropertyName("listeners")] public IList<Listener>? Listeners { get; set; }
}

/// <summary>A reference to a Gateway, possibly in another namespace.</summary>
public sealed class ParentGatewayReference
{
    /// <summary>Defaults to gateway.networking.k8s.io.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    /// <summary>Defaults to Gateway.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>Defaults to the ListenerSet's namespace.</summary>
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

public sealed class ListenerSetStatus
{
    /// <summary>Accepted and Programmed.</summary>
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }

    /// <summary>One entry per listener of this ListenerSet (never the Gateway's own).</summary>
    [JsonPropertyName("listeners")] public IList<ListenerStatus>? Listeners { get; set; }
}
