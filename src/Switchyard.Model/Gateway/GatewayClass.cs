using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io GatewayClass (cluster-scoped): a kind of Gateway, served by the controller named in
/// <see cref="GatewayClassSpec.ControllerName"/>.
/// </summary>
public sealed class GatewayClass : IKubernetesObject<V1ObjectMeta>, ISpec<GatewayClassSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public GatewayClassSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public GatewayClassStatus? Status { get; set; }
}

public sealed class GatewayClassSpec
{
    /// <summary>Domain-prefixed path naming the controller, e.g. "switchyard.dev/gateway". Immutable.</summary>
    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";

    [JsonPropertyName("parametersRef")] public ParametersReference? ParametersRef { get; set; }

    /// <summary>At most 64 characters.</summary>
    [JsonPropertyName("description")] public string? Description { get; set; }
}

/// <summary>A reference to controller-specific configuration; namespace only for namespaced referents.</summary>
public sealed class ParametersReference
{
    /// <summary>Required; "" is the core group.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
}

public sealed class GatewayClassStatus
{
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("supportedFeatures")] public IList<SupportedFeature>? SupportedFeatures { get; set; }
}

public sealed class SupportedFeature
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
}
