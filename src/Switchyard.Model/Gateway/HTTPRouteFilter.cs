using System.Text.Json.Serialization;

namespace Switchyard.Model.Gateway;

/// <summary>
/// One processing step of a rule or backend. <see cref="Type"/> says which one; exactly the field of that type is set.
/// </summary>
public sealed class HTTPRouteFilter
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";

    [JsonPropertyName("requestHeaderModifier")] public HTTPHeaderFilter? RequestHeaderModifier { get; set; }

    [JsonPropertyName("responseHeaderModifier")] public HTTPHeaderFilter? ResponseHeaderModifier { get; set; }

    [JsonPropertyName("requestMirror")] public HTTPRequestMirrorFilter? RequestMirror { get; set; }

    [JsonPropertyName("requestRedirect")] public HTTPRequestRedirectFilter? RequestRedirect { get; set; }

    [JsonPropertyName("urlRewrite")] public HTTPURLRewriteFilter? UrlRewrite { get; set; }

    /// <summary>Cross-origin resource sharing (Standard channel from v1.5); on rules only, not on backendRefs or GRPCRoutes.</summary>
    [JsonPropertyName("cors")] public HTTPCORSFilter? Cors { get; set; }

    /// <summary>
    /// Asks an authorization service whether to let the request through (Experimental channel from v1.4). The CRD
    /// allows it in any filter list; its support is defined for rules.
    /// </summary>
    [JsonPropertyName("externalAuth")] public HTTPExternalAuthFilter? ExternalAuth { get; set; }

    [JsonPropertyName("extensionRef")] public LocalObjectReference? ExtensionRef { get; set; }
}

/// <summary>Header changes: set replaces, add appends, remove deletes. Each list at most 16.</summary>
public sealed class HTTPHeaderFilter
{
    [JsonPropertyName("set")] public IList<HTTPHeader>? Set { get; set; }

    [JsonPropertyName("add")] public IList<HTTPHeader>? Add { get; set; }

    [JsonPropertyName("remove")] public IList<string>? Remove { get; set; }
}

public sealed class HTTPHeader
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    [JsonPropertyName("value")] public string Value { get; set; } = "";
}

/// <summary>Copies requests to another backend; responses from it are ignored.</summary>
public sealed class HTTPRequestMirrorFilter
{
    [JsonPropertyName("backendRef")] public BackendObjectReference BackendRef { get; set; } = new();

    /// <summary>0..100; exclusive with <see cref="Fraction"/>. Neither means 100%.</summary>
    [JsonPropertyName("percent")] public int? Percent { get; set; }

    [JsonPropertyName("fraction")] public Fraction? Fraction { get; set; }
}

public sealed class Fraction
{
    [JsonPropertyName("numerator")] public int Numerator { get; set; }

    /// <summary>Defaults to 100.</summary>
    [JsonPropertyName("denominator")] public int? Denominator { get; set; }
}

/// <summary>Answers with a redirect instead of forwarding.</summary>
public sealed class HTTPRequestRedirectFilter
{
    /// <summary>http or https; empty keeps the request's scheme.</summary>
    [JsonPropertyName("scheme")] public string? Scheme { get; set; }

    [JsonPropertyName("hostname")] public string? Hostname { get; set; }

    [JsonPropertyName("path")] public HTTPPathModifier? Path { get; set; }

    [JsonPropertyName("port")] public int? Port { get; set; }

    /// <summary>301, 302 (default), 303, 307 or 308.</summary>
    [JsonPropertyName("statusCode")] public int? StatusCode { get; set; }
}

/// <summary>Rewrites host and/or path while forwarding.</summary>
public sealed class HTTPURLRewriteFilter
{
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }

    [JsonPropertyName("path")] public HTTPPathModifier? Path { get; set; }
}

public sealed class HTTPPathModifier
{
    /// <summary>ReplaceFullPath or ReplacePrefixMatch; the field of the same name carries the value.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";

    [JsonPropertyName("replaceFullPath")] public string? ReplaceFullPath { get; set; }

    [JsonPropertyName("replacePrefixMatch")] public string? ReplacePrefixMatch { get; set; }
}

/// <summary>
/// Cross-origin resource sharing: the gateway answers preflight requests itself and adds the Access-Control-* headers
/// to the answers of allowed origins. See <see cref="CorsOriginPattern"/> for the origin forms.
/// </summary>
public sealed class HTTPCORSFilter
{
    /// <summary>"*" alone (every origin), or up to 64 origins scheme://host[:port] whose host may be "*" or start with "*.". None: no origin is allowed.</summary>
    [JsonPropertyName("allowOrigins")] public IList<string>? AllowOrigins { get; set; }

    /// <summary>Answers carry Access-Control-Allow-Credentials: true, and never a "*" (the request's values are echoed instead).</summary>
    [JsonPropertyName("allowCredentials")] public bool? AllowCredentials { get; set; }

    /// <summary>"*" alone, or up to 9 of the HTTP methods; the preflight answer's Access-Control-Allow-Methods.</summary>
    [JsonPropertyName("allowMethods")] public IList<string>? AllowMethods { get; set; }

    /// <summary>"*" alone, or up to 64 request header names; the preflight answer's Access-Control-Allow-Headers.</summary>
    [JsonPropertyName("allowHeaders")] public IList<string>? AllowHeaders { get; set; }

    /// <summary>Up to 64 response header names ("*": all) that scripts may read: Access-Control-Expose-Headers.</summary>
    [JsonPropertyName("exposeHeaders")] public IList<string>? ExposeHeaders { get; set; }

    /// <summary>Seconds a preflight answer may be cached, at least 1 (default 5).</summary>
    [JsonPropertyName("maxAge")] public int? MaxAge { get; set; }
}

/// <summary>
/// Sends the details of each request to an authorization service (<see cref="BackendRef"/>) before it is forwarded;
/// the service's answer lets it through or is sent to the client instead. Any problem talking to the service must
/// fail closed. <see cref="Protocol"/> says which of <see cref="Grpc"/> and <see cref="Http"/> may be set.
/// </summary>
public sealed class HTTPExternalAuthFilter
{
    /// <summary>HTTP or GRPC (required); <see cref="GatewayApi.ExternalAuthProtocols"/>.</summary>
    [JsonPropertyName("protocol")] public string Protocol { get; set; } = "";

    /// <summary>The authorization service (required): a Service and its port, which speaks <see cref="Protocol"/>.</summary>
    [JsonPropertyName("backendRef")] public BackendObjectReference? BackendRef { get; set; }

    /// <summary>Settings of the GRPC protocol; set exactly when the protocol is GRPC.</summary>
    [JsonPropertyName("grpc")] public GRPCAuthConfig? Grpc { get; set; }

    /// <summary>Settings of the HTTP protocol; set exactly when the protocol is HTTP.</summary>
    [JsonPropertyName("http")] public HTTPAuthConfig? Http { get; set; }

    /// <summary>Whether, and how much of, the request body goes to the service; absent: none.</summary>
    [JsonPropertyName("forwardBody")] public ForwardBodyConfig? ForwardBody { get; set; }
}

/// <summary>Settings for an authorization service speaking Envoy's ext_authz gRPC API.</summary>
public sealed class GRPCAuthConfig
{
    /// <summary>The request headers sent to the service (at most 64); empty or absent: all of them.</summary>
    [JsonPropertyName("allowedHeaders")] public IList<string>? AllowedHeaders { get; set; }
}

/// <summary>Settings for an authorization service spoken to in plain HTTP.</summary>
public sealed class HTTPAuthConfig
{
    /// <summary>A prefix put before the request's path in the request to the service (URL path characters, at most 1024); absent: none.</summary>
    [JsonPropertyName("path")] public string? Path { get; set; }

    /// <summary>
    /// Request headers sent to the service besides those always sent (Host, the method, the path, Content-Length,
    /// Authorization); at most 64.
    /// </summary>
    [JsonPropertyName("allowedHeaders")] public IList<string>? AllowedHeaders { get; set; }

    /// <summary>Headers of an allowing answer copied onto the request to the backend (at most 64); empty or absent: all but Host.</summary>
    [JsonPropertyName("allowedResponseHeaders")] public IList<string>? AllowedResponseHeaders { get; set; }
}

/// <summary>How much of the request body goes to the authorization service.</summary>
public sealed class ForwardBodyConfig
{
    /// <summary>At most this many bytes of the body (0 to 65535); 0 or absent: no body.</summary>
    [JsonPropertyName("maxSize")] public int? MaxSize { get; set; }
}
