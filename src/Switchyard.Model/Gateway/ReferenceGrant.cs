using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io ReferenceGrant: lets objects of the listed kinds in the listed namespaces refer to
/// objects in this grant's namespace (a Route in "web" to a Service in "payments", a Gateway to a Secret).
/// </summary>
public sealed class ReferenceGrant : IKubernetesObject<V1ObjectMeta>, ISpec<ReferenceGrantSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ReferenceGrantSpec Spec { get; set; } = new();
}

public sealed class ReferenceGrantSpec
{
    /// <summary>1 to 16 trusted referrers.</summary>
    [JsonPropertyName("from")] public IList<ReferenceGrantFrom>? From { get; set; }

    /// <summary>1 to 16 kinds (optionally one name) that may be referred to.</summary>
    [JsonPropertyName("to")] public IList<ReferenceGrantTo>? To { get; set; }
}

public sealed class ReferenceGrantFrom
{
    /// <summary>Required; "" is the core group.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("namespace")] public string Namespace { get; set; } = "";
}

public sealed class ReferenceGrantTo
{
    /// <summary>Required; "" is the core group.</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";

    /// <summary>When absent, every object of the kind in the namespace.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }
}
