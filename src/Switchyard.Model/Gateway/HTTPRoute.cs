using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io HTTPRoute: HTTP requests matched by host, path, headers, query and method, processed
/// by filters and sent to weighted backends. Attaches to Gateways (or listeners) named in its parentRefs.
/// </summary>
public sealed class HTTPRoute : IKubernetesObject<V1ObjectMeta>, ISpec<HTTPRouteSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public HTTPRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public HTTPRouteStatus? Status { get; set; }
}

public sealed class HTTPRouteSpec
{
    /// <summary>At most 32.</summary>
    [JsonPropertyName("parentRefs")] public IList<ParentReference>? ParentRefs { get; set; }

    /// <summary>At most 16; a hostname may start with the wildcard label "*.".</summary>
    [JsonPropertyName("hostnames")] public IList<string>? Hostnames { get; set; }

    /// <summary>At most 16; defaults to one rule matching every path.</summary>
    [JsonPropertyName("rules")] public IList<HTTPRouteRule>? Rules { get; set; }
}

public sealed class HTTPRouteRule
{
    /// <summary>Optional, unique within the route.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>At most 64; defaults to one PathPrefix "/" match. Any one match selects the rule.</summary>
    [JsonPropertyName("matches")] public IList<HTTPRouteMatch>? Matches { get; set; }

    /// <summary>At most 16, applied in order.</summary>
    [JsonPropertyName("filters")] public IList<HTTPRouteFilter>? Filters { get; set; }

    /// <summary>At most 16, chosen by weight.</summary>
    [JsonPropertyName("backendRefs")] public IList<HTTPBackendRef>? BackendRefs { get; set; }

    [JsonPropertyName("timeouts")] public HTTPRouteTimeouts? Timeouts { get; set; }

    /// <summary>Experimental channel.</summary>
    [JsonPropertyName("retry")] public HTTPRouteRetry? Retry { get; set; }

    /// <summary>Experimental channel.</summary>
    [JsonPropertyName("sessionPersistence")] public SessionPersistence? SessionPersistence { get; set; }
}

/// <summary>One backend of a rule: an object reference, a weight, and filters that apply only to it.</summary>
public sealed class HTTPBackendRef
{
    /// <summary>Defaults to "" (the core group).</summary>
    [JsonPropertyName("group")] public string? Group { get; set; }

    /// <summary>Defaults to Service.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; set; }

    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("namespace")] public string? Namespace { get; set; }

    [JsonPropertyName("port")] public int? Port { get; set; }

    /// <summary>0 to 1,000,000, default 1; proportional share of the rule's traffic.</summary>
    [JsonPropertyName("weight")] public int? Weight { get; set; }

    [JsonPropertyName("filters")] public IList<HTTPRouteFilter>? Filters { get; set; }
}

/// <summary>Timeouts in Gateway API duration format ("10s", "1h30m", "500ms").</summary>
public sealed class HTTPRouteTimeouts
{
    /// <summary>The whole request; "0s" disables it.</summary>
    [JsonPropertyName("request")] public string? Request { get; set; }

    /// <summary>One attempt to a backend; no longer than <see cref="Request"/>.</summary>
    [JsonPropertyName("backendRequest")] public string? BackendRequest { get; set; }
}

public sealed class HTTPRouteRetry
{
    /// <summary>Status codes 400..599 that cause a retry.</summary>
    [JsonPropertyName("codes")] public IList<int>? Codes { get; set; }

    /// <summary>Retries after the first attempt; 0 disables retries.</summary>
    [JsonPropertyName("attempts")] public int? Attempts { get; set; }

    /// <summary>Base backoff interval, a Gateway API duration.</summary>
    [JsonPropertyName("backoff")] public string? Backoff { get; set; }
}

public sealed class SessionPersistence
{
    /// <summary>At most 128 characters.</summary>
    [JsonPropertyName("sessionName")] public string? SessionName { get; set; }

    [JsonPropertyName("absoluteTimeout")] public string? AbsoluteTimeout { get; set; }

    [JsonPropertyName("idleTimeout")] public string? IdleTimeout { get; set; }

    /// <summary>Cookie (default) or Header.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    [JsonPropertyName("cookieConfig")] public CookieConfig? CookieConfig { get; set; }
}

public sealed class CookieConfig
{
    /// <summary>Session (default) or Permanent.</summary>
    [JsonPropertyName("lifetimeType")] public string? LifetimeType { get; set; }
}

public sealed class HTTPRouteStatus
{
    [JsonPropertyName("parents")] public IList<RouteParentStatus>? Parents { get; set; }
}
