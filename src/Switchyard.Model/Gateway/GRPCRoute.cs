using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Switchyard.Model.Gateway;

/// <summary>
/// gateway.networking.k8s.io GRPCRoute: gRPC requests matched by host, service, method and headers, processed by
/// filters and sent to weighted backends over HTTP/2. Attaches to Gateways (or listeners) named in its parentRefs,
/// as an HTTPRoute does. Filters and backendRefs have the shapes of HTTPRoute's (<see cref="HTTPRouteFilter"/>,
/// <see cref="HTTPBackendRef"/>); validation accepts only the filter types GRPCRoute defines.
/// </summary>
public sealed class GRPCRoute : IKubernetesObject<V1ObjectMeta>, ISpec<GRPCRouteSpec>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public GRPCRouteSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public GRPCRouteStatus? Status { get; set; }
}

public sealed class GRPCRouteSpec
{
    /// <summary>At most 32.</summary>
    [JsonPropertyName("parentRefs")] public IList<ParentReference>? ParentRefs { get; set; }

    /// <summary>At most 16; a hostname may start with the wildcard label "*.".</summary>
    [JsonPropertyName("hostnames")] public IList<string>? Hostnames { get; set; }

    /// <summary>At most 16; no rules means one rule matching every gRPC request (and no backends).</summary>
    [JsonPropertyName("rules")] public IList<GRPCRouteRule>? Rules { get; set; }
}

public sealed class GRPCRouteRule
{
    /// <summary>Optional, unique within the route.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>At most 8; none matches every gRPC request. Any one match selects the rule.</summary>
    [JsonPropertyName("matches")] public IList<GRPCRouteMatch>? Matches { get; set; }

    /// <summary>At most 16: RequestHeaderModifier, ResponseHeaderModifier, RequestMirror or ExtensionRef.</summary>
    [JsonPropertyName("filters")] public IList<HTTPRouteFilter>? Filters { get; set; }

    /// <summary>At most 16, chosen by weight.</summary>
    [JsonPropertyName("backendRefs")] public IList<HTTPBackendRef>? BackendRefs { get; set; }

    /// <summary>Experimental channel.</summary>
    [JsonPropertyName("sessionPersistence")] public SessionPersistence? SessionPersistence { get; set; }
}

/// <summary>Conditions that must all hold (method AND headers).</summary>
public sealed class GRPCRouteMatch
{
    /// <summary>Absent: every service and method.</summary>
    [JsonPropertyName("method")] public GRPCMethodMatch? Method { get; set; }

    /// <summary>At most 16, names unique (case-insensitively). The shape of GRPCHeaderMatch.</summary>
    [JsonPropertyName("headers")] public IList<HTTPHeaderMatch>? Headers { get; set; }
}

/// <summary>The gRPC service and/or method of a request (its path is <c>/service/method</c>); at least one is set.</summary>
public sealed class GRPCMethodMatch
{
    /// <summary>Exact (default) or RegularExpression.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>Fully qualified service ("helloworld.Greeter"); empty or absent: any service. At most 1024 characters.</summary>
    [JsonPropertyName("service")] public string? Service { get; set; }

    /// <summary>Method name ("SayHello"); empty or absent: any method. At most 1024 characters.</summary>
    [JsonPropertyName("method")] public string? Method { get; set; }
}

public sealed class GRPCRouteStatus
{
    [JsonPropertyName("parents")] public IList<RouteParentStatus>? Parents { get; set; }
}
