using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Policy;

/// <summary>
/// policy.switchyard.dev/v1alpha1 HTTPNetworkPolicy (namespaced): HTTP conditions on top of NetworkPolicy.
/// It never opens a connection that NetworkPolicies deny; it narrows which <em>requests</em> may use an allowed
/// connection. Once a pod's port is covered by a rule of a policy that selects the pod, a request to that
/// port passes only if some covering rule admits its source and some of that rule's <c>http</c> matches
/// the request (method, path regular expression, headers). Ports no rule covers are left to L4 alone.
/// </summary>
public sealed class HTTPNetworkPolicy : IKubernetesObject<V1ObjectMeta>, ISpec<HTTPNetworkPolicySpec>
{
    public const string Group = "policy.switchyard.dev";
    public const string Version = "v1alpha1";
    public const string KindName = "HTTPNetworkPolicy";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public HTTPNetworkPolicySpec Spec { get; set; } = new();

    /// <summary>
    /// The one way a path pattern becomes a regular expression, shared by validation and evaluation:
    /// the whole path must match (the pattern is anchored), and matching runs in linear time
    /// (.NET's non-backtracking engine), so backreferences and lookarounds are not supported.
    /// </summary>
    public static Regex CompilePathPattern(string pattern) =>
        new($"^(?:{pattern})$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
}

public sealed class HTTPNetworkPolicySpec
{
    /// <summary>Pods of the policy's namespace the policy applies to; required; empty selects every pod.</summary>
    [JsonPropertyName("podSelector")] public V1LabelSelector? PodSelector { get; set; }

    /// <summary>Rules for requests arriving at the selected pods. No rules: the policy covers nothing.</summary>
    [JsonPropertyName("ingress")] public IList<HTTPIngressRule>? Ingress { get; set; }
}

/// <summary>
/// One rule: the ports it covers (absent or empty: every port), the sources it admits (absent or empty:
/// every source; peers mean exactly what they mean in NetworkPolicy), and the requests it admits (absent
/// or empty: every request).
/// </summary>
public sealed class HTTPIngressRule
{
    [JsonPropertyName("ports")] public IList<V1NetworkPolicyPort>? Ports { get; set; }
    [JsonPropertyName("from")] public IList<V1NetworkPolicyPeer>? From { get; set; }
    [JsonPropertyName("http")] public IList<HTTPRequestMatch>? Http { get; set; }
}

/// <summary>A request condition: every field that is set must hold.</summary>
public sealed class HTTPRequestMatch
{
    /// <summary>Exact, case-sensitive method, e.g. GET. Absent: any method.</summary>
    [JsonPropertyName("method")] public string? Method { get; set; }

    /// <summary>Regular expression the whole path (without the query string) must match. Absent: any path.</summary>
    [JsonPropertyName("path")] public string? Path { get; set; }

    /// <summary>Headers that must be present, each with the given value when one is set.</summary>
    [JsonPropertyName("headers")] public IList<HTTPHeaderCondition>? Headers { get; set; }
}

/// <summary>A header (name compared case-insensitively) that must be present, with exactly <see cref="Value"/> when set.</summary>
public sealed class HTTPHeaderCondition
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("value")] public string? Value { get; set; }
}
