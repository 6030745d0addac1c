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

    /// <summary>Standard channel from v1.4; accepted so newer manifests decode.</summary>
    [JsonPropertyName("cors")] public HTTPCORSFilter? Cors { get; set; }

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

/// <summary>Cross-origin resource sharing answers.</summary>
public sealed class HTTPCORSFilter
{
    [JsonPropertyName("allowOrigins")] public IList<string>? AllowOrigins { get; set; }

    [JsonPropertyName("allowCredentials")] public bool? AllowCredentials { get; set; }

    [JsonPropertyName("allowMethods")] public IList<string>? AllowMethods { get; set; }

    [JsonPropertyName("allowHeaders")] public IList<string>? AllowHeaders { get; set; }

    [JsonPropertyName("exposeHeaders")] public IList<string>? ExposeHeaders { get; set; }

    /// <summary>Seconds a preflight answer may be cached, at least 1 (default 5).</summary>
    [JsonPropertyName("maxAge")] public int? MaxAge { get; set; }
}
