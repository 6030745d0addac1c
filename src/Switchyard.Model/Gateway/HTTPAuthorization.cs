using System.Text.Json.Serialization;

namespace Switchyard.Model.Gateway;

/// <summary>
/// Authorization of an HTTPTrafficFilter (the shape of Envoy Gateway's SecurityPolicy <c>authorization</c>), decided
/// after authentication: <see cref="Rules"/> in order, the first whose operation and principal match the request
/// decides; when none matches, <see cref="DefaultAction"/>. A denied request is answered 403.
/// </summary>
public sealed class HTTPAuthorization
{
    /// <summary>At most 64 rules, names unique.</summary>
    [JsonPropertyName("rules")] public List<HTTPAuthorizationRule>? Rules { get; set; }

    /// <summary>Allow or Deny, when no rule matches; default Deny (Envoy Gateway's).</summary>
    [JsonPropertyName("defaultAction")] public string? DefaultAction { get; set; }

    public const string Allow = "Allow";
    public const string Deny = "Deny";

    public static readonly IReadOnlyList<string> Actions = [Allow, Deny];
}

/// <summary>One rule: when the request's method is one of <see cref="Operation"/>'s (any, without one) and every part of <see cref="Principal"/> matches, <see cref="Action"/>.</summary>
public sealed class HTTPAuthorizationRule
{
    /// <summary>Named in the answer and the logs; default <c>rule-N</c> (N its index). At most 253 characters.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>Required: Allow or Deny.</summary>
    [JsonPropertyName("action")] public string? Action { get; set; }

    [JsonPropertyName("operation")] public HTTPAuthorizationOperation? Operation { get; set; }

    /// <summary>Required: at least one of clientCIDRs, jwt and headers; all that are given must match.</summary>
    [JsonPropertyName("principal")] public HTTPAuthorizationPrincipal? Principal { get; set; }
}

/// <summary>The request's operation: its HTTP method, one of <see cref="Methods"/> (1 to 16, Gateway API HTTPMethod names).</summary>
public sealed class HTTPAuthorizationOperation
{
    [JsonPropertyName("methods")] public List<string>? Methods { get; set; }
}

/// <summary>Who sends the request: its client address, its token's claims and scopes, its headers. Every part given must match.</summary>
public sealed class HTTPAuthorizationPrincipal
{
    /// <summary>The client's address is in one of these CIDRs (1 to 64).</summary>
    [JsonPropertyName("clientCIDRs")] public List<string>? ClientCIDRs { get; set; }

    /// <summary>The request was authenticated by a provider of this filter's <c>jwt</c>, with these claims and scopes.</summary>
    [JsonPropertyName("jwt")] public HTTPAuthorizationJWT? Jwt { get; set; }

    /// <summary>Each header has one of its values (1 to 16 headers).</summary>
    [JsonPropertyName("headers")] public List<HTTPAuthorizationHeaderMatch>? Headers { get; set; }
}

/// <summary>A token accepted by <see cref="Provider"/> carrying every claim in <see cref="Claims"/> and every scope in <see cref="Scopes"/> (at least one of the two).</summary>
public sealed class HTTPAuthorizationJWT
{
    /// <summary>Required: the name of a provider of the same filter's <c>jwt</c>.</summary>
    [JsonPropertyName("provider")] public string? Provider { get; set; }

    /// <summary>1 to 16 claims, all of which must match.</summary>
    [JsonPropertyName("claims")] public List<HTTPAuthorizationJWTClaim>? Claims { get; set; }

    /// <summary>1 to 16 scopes, all of which the token's <c>scope</c> claim (space-separated, RFC 6749 3.3) must hold.</summary>
    [JsonPropertyName("scopes")] public List<string>? Scopes { get; set; }
}

/// <summary>A claim (nested with dots: <c>org.role</c>) equal to one of <see cref="Values"/> (String), or an array holding one of them (StringArray).</summary>
public sealed class HTTPAuthorizationJWTClaim
{
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>String or StringArray; default String.</summary>
    [JsonPropertyName("valueType")] public string? ValueType { get; set; }

    /// <summary>1 to 16 values, compared exactly.</summary>
    [JsonPropertyName("values")] public List<string>? Values { get; set; }

    public const string String = "String";
    public const string StringArray = "StringArray";

    public static readonly IReadOnlyList<string> ValueTypes = [String, StringArray];
}

/// <summary>A request header whose value equals one of <see cref="Values"/> exactly (several fields joined with ",").</summary>
public sealed class HTTPAuthorizationHeaderMatch
{
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>1 to 16 values.</summary>
    [JsonPropertyName("values")] public List<string>? Values { get; set; }
}
