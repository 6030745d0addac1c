using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io BackendTLSPolicy (v1 since Gateway API v1.4): the proxy speaks TLS to the endpoints of the
/// Services (or one named port of them) it targets, in its own namespace, and checks their certificates against the CA
/// certificates of ConfigMaps or the system's, for <see cref="BackendTLSPolicyValidation.Hostname"/>.
/// </summary>
public sealed class BackendTLSPolicy : IKubernetesObject<V1ObjectMeta>, ISpec<BackendTLSPolicySpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public BackendTLSPolicySpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public PolicyStatus? Status { get; set; }
}

public sealed class BackendTLSPolicySpec
{
    /// <summary>1 to 16 Services (group "", kind Service) in the policy's namespace; sectionName picks one port by name.</summary>
    [JsonPropertyName("targetRefs")] public IList<LocalPolicyTargetReferenceWithSectionName>? TargetRefs { get; set; }

    [JsonPropertyName("validation")] public BackendTLSPolicyValidation? Validation { get; set; }

    /// <summary>Implementation-specific settings, domain-prefixed keys, at most 16 (none are defined by Switchyard).</summary>
    [JsonPropertyName("options")] public IDictionary<string, string>? Options { get; set; }
}

public sealed class LocalPolicyTargetReferenceWithSectionName
{
    [JsonPropertyName("group")] public string? Group { get; set; }
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("sectionName")] public string? SectionName { get; set; }
}

public sealed class BackendTLSPolicyValidation
{
    /// <summary>1 to 8 ConfigMaps (key ca.crt, PEM) in the policy's namespace; exclusive with wellKnownCACertificates.</summary>
    [JsonPropertyName("caCertificateRefs")] public IList<LocalObjectReference>? CaCertificateRefs { get; set; }

    /// <summary>"System": the trust store of the machine the proxy runs on.</summary>
    [JsonPropertyName("wellKnownCACertificates")] public string? WellKnownCACertificates { get; set; }

    /// <summary>Required: the SNI name, and the name the certificate must carry unless subjectAltNames are given.</summary>
    [JsonPropertyName("hostname")] public string Hostname { get; set; } = "";

    /// <summary>At most 5; when given, the certificate must carry one of these instead of the hostname.</summary>
    [JsonPropertyName("subjectAltNames")] public IList<SubjectAltName>? SubjectAltNames { get; set; }
}

public sealed class SubjectAltName
{
    /// <summary>Hostname or URI.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("uri")] public string? Uri { get; set; }
}

/// <summary>A policy's status: one entry per ancestor (the Gateways whose routes reach its targets) and controller.</summary>
public sealed class PolicyStatus
{
    [JsonPropertyName("ancestors")] public IList<PolicyAncestorStatus>? Ancestors { get; set; }
}

public sealed class PolicyAncestorStatus
{
    [JsonPropertyName("ancestorRef")] public ParentReference AncestorRef { get; set; } = new();
    [JsonPropertyName("controllerName")] public string ControllerName { get; set; } = "";
    [JsonPropertyName("conditions")] public IList<V1Condition>? Conditions { get; set; }
}
