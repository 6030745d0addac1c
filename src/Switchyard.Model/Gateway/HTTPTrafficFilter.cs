using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.switchyard.dev/v1alpha1 HTTPTrafficFilter (namespaced): client authentication (JWT, HTTP Basic), authorization, fault
/// injection and local rate limiting for the HTTPRoute rules that name it in a filter of type ExtensionRef
/// (<c>{type: ExtensionRef, extensionRef: {group: gateway.switchyard.dev, kind: HTTPTrafficFilter, name: NAME}}</c>).
/// Gateway API has no core filter for any of them; ExtensionRef is its extension point, and a rule-level filter keeps
/// the setting next to the traffic it shapes.
/// </summary>
public sealed class HTTPTrafficFilter : IKubernetesObject<V1ObjectMeta>, ISpec<HTTPTrafficFilterSpec>
{
    public const string Group = "gateway.switchyard.dev";
    public const string Version = "v1alpha1";
    public const string KindName = "HTTPTrafficFilter";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public HTTPTrafficFilterSpec Spec { get; set; } = new();
}

/// <summary>At least one of <see cref="Fault"/>, <see cref="RateLimit"/>, <see cref="Jwt"/>, <see cref="BasicAuth"/> and <see cref="Authorization"/>.</summary>
public sealed class HTTPTrafficFilterSpec
{
    [JsonPropertyName("fault")] public HTTPFaultInjection? Fault { get; set; }

    [JsonPropertyName("rateLimit")] public HTTPLocalRateLimit? RateLimit { get; set; }

    /// <summary>Requests must carry a JSON Web Token that one of the providers accepts.</summary>
    [JsonPropertyName("jwt")] public HTTPJWTAuthentication? Jwt { get; set; }

    /// <summary>Requests must carry HTTP Basic credentials of a user of an htpasswd file.</summary>
    [JsonPropertyName("basicAuth")] public HTTPBasicAuthentication? BasicAuth { get; set; }

    /// <summary>Which authenticated requests may go on (rules on client address, token claims and scopes, headers, method); 403 otherwise.</summary>
    [JsonPropertyName("authorization")] public HTTPAuthorization? Authorization { get; set; }
}

/// <summary>Faults injected into a share of requests: a delay before forwarding, an abort instead of forwarding, or both.</summary>
public sealed class HTTPFaultInjection
{
    [JsonPropertyName("delay")] public HTTPFaultDelay? Delay { get; set; }

    [JsonPropertyName("abort")] public HTTPFaultAbort? Abort { get; set; }
}

/// <summary>Holds <see cref="Percentage"/> % of requests for <see cref="Duration"/> before they are forwarded.</summary>
public sealed class HTTPFaultDelay
{
    /// <summary>Required; a Gateway API duration ("200ms", "2s").</summary>
    [JsonPropertyName("duration")] public string? Duration { get; set; }

    /// <summary>0 to 100; default 100.</summary>
    [JsonPropertyName("percentage")] public int? Percentage { get; set; }
}

/// <summary>Answers <see cref="Percentage"/> % of requests with <see cref="Status"/> without forwarding them.</summary>
public sealed class HTTPFaultAbort
{
    /// <summary>Required; 200 to 599.</summary>
    [JsonPropertyName("status")] public int? Status { get; set; }

    /// <summary>0 to 100; default 100.</summary>
    [JsonPropertyName("percentage")] public int? Percentage { get; set; }
}

/// <summary>
/// A token bucket per route rule in each proxy: it holds at most <see cref="Burst"/> tokens and gains
/// <see cref="Requests"/> tokens at the end of every <see cref="Unit"/>; a request takes one token or is answered 429.
/// </summary>
public sealed class HTTPLocalRateLimit
{
    /// <summary>Required; tokens added per unit, at least 1.</summary>
    [JsonPropertyName("requests")] public int? Requests { get; set; }

    /// <summary>Second, Minute or Hour; default Second.</summary>
    [JsonPropertyName("unit")] public string? Unit { get; set; }

    /// <summary>Bucket size (requests allowed at once after a quiet period), at least 1; default <see cref="Requests"/>.</summary>
    [JsonPropertyName("burst")] public int? Burst { get; set; }

    /// <summary>Send Retry-After (whole seconds until the next token) with 429 answers; default true.</summary>
    [JsonPropertyName("retryAfter")] public bool? RetryAfter { get; set; }

    public const string Second = "Second";
    public const string Minute = "Minute";
    public const string Hour = "Hour";

    public static readonly IReadOnlyList<string> Units = [Second, Minute, Hour];

    /// <summary>The length of a <see cref="Unit"/> name; null for an unknown one.</summary>
    public static TimeSpan? UnitLength(string? unit) => unit switch
    {
        Second => TimeSpan.FromSeconds(1),
        Minute => TimeSpan.FromMinutes(1),
        Hour => TimeSpan.FromHours(1),
        _ => null,
    };
}
