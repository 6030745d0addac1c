using System.Text.Json.Serialization;

namespace Switchyard.Model.Gateway;

/// <summary>
/// JWT authentication of an HTTPTrafficFilter (the shape of Envoy Gateway's SecurityPolicy <c>jwt</c>, with keys held
/// locally or fetched from the issuer): a request passes when one of <see cref="Providers"/> finds a token and accepts it.
/// </summary>
public sealed class HTTPJWTAuthentication
{
    /// <summary>1 to 4 providers, names unique.</summary>
    [JsonPropertyName("providers")] public List<HTTPJWTProvider>? Providers { get; set; }

    /// <summary>
    /// When true a request that carries no token at all passes (without claim headers); one whose token is refused is
    /// still answered 401. Default false.
    /// </summary>
    [JsonPropertyName("optional")] public bool? Optional { get; set; }

    /// <summary>The realm of the <c>WWW-Authenticate: Bearer</c> challenge; default the request's host.</summary>
    [JsonPropertyName("realm")] public string? Realm { get; set; }
}

/// <summary>One issuer of tokens: its keys, the issuer and audiences it must name, where its token is found, and what the backend gets.</summary>
public sealed class HTTPJWTProvider
{
    /// <summary>Required; unique in the filter; named in errors.</summary>
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>The <c>iss</c> claim a token must carry (exactly); not checked when absent.</summary>
    [JsonPropertyName("issuer")] public string? Issuer { get; set; }

    /// <summary>A token's <c>aud</c> must name one of these; not checked when absent or empty.</summary>
    [JsonPropertyName("audiences")] public List<string>? Audiences { get; set; }

    /// <summary>The JSON Web Key Set that verifies signatures, held locally; exactly one of this and <see cref="RemoteJWKS"/>.</summary>
    [JsonPropertyName("localJWKS")] public HTTPLocalJWKS? LocalJWKS { get; set; }

    /// <summary>The JSON Web Key Set that verifies signatures, fetched over HTTPS by the proxy; exactly one of this and <see cref="LocalJWKS"/>.</summary>
    [JsonPropertyName("remoteJWKS")] public HTTPRemoteJWKS? RemoteJWKS { get; set; }

    /// <summary>Where the token is looked for, in this order; default the <c>Authorization</c> header with prefix <c>Bearer </c>.</summary>
    [JsonPropertyName("extractFrom")] public HTTPJWTExtractor? ExtractFrom { get; set; }

    /// <summary>Claims copied into request headers for the backend (any such header a client sent is removed first).</summary>
    [JsonPropertyName("claimToHeaders")] public List<HTTPJWTClaimToHeader>? ClaimToHeaders { get; set; }

    /// <summary>Keep the token where it was found when forwarding; default false (removed, as Envoy's <c>forward: false</c>).</summary>
    [JsonPropertyName("forwardToken")] public bool? ForwardToken { get; set; }

    /// <summary>Allowed clock difference for <c>exp</c> and <c>nbf</c>, a Gateway API duration; default 60s (Envoy's default).</summary>
    [JsonPropertyName("clockSkew")] public string? ClockSkew { get; set; }
}

/// <summary>A JSON Web Key Set given inline or held in a ConfigMap of the filter's namespace (key <c>jwks</c>).</summary>
public sealed class HTTPLocalJWKS
{
    /// <summary>Required: Inline or ValueRef.</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }

    /// <summary>The key set as JSON text (type Inline).</summary>
    [JsonPropertyName("inline")] public string? Inline { get; set; }

    /// <summary>A ConfigMap (group "", kind ConfigMap) whose key <c>jwks</c> holds the key set (type ValueRef).</summary>
    [JsonPropertyName("valueRef")] public LocalObjectReference? ValueRef { get; set; }

    public const string InlineType = "Inline";
    public const string ValueRefType = "ValueRef";
    public const string ConfigMapKey = "jwks";

    public static readonly IReadOnlyList<string> Types = [InlineType, ValueRefType];
}

/// <summary>
/// A JSON Web Key Set the proxy fetches from <see cref="Uri"/> in the background (Envoy Gateway's <c>remoteJWKS</c>,
/// Envoy's <c>remote_jwks</c> with <c>async_fetch</c>) and refreshes every <see cref="CacheDuration"/>, or sooner when
/// the issuer's Cache-Control asks (never more often than every 30 s). Envoy Gateway's
/// <c>backendRefs</c> and <c>backendSettings</c> are not served: the URI's host is resolved with DNS and a private CA is
/// named in <see cref="CaCertificateRefs"/> (a Switchyard field, as BackendTLSPolicy names one).
/// </summary>
public sealed class HTTPRemoteJWKS
{
    /// <summary>Required: an absolute https URI, at most 253 characters (Envoy Gateway's limit).</summary>
    [JsonPropertyName("uri")] public string? Uri { get; set; }

    /// <summary>
    /// The longest a fetched key set is used before it is fetched again (the issuer's Cache-Control may ask for less), a
    /// Gateway API duration from 10s to 24h; default 300s (Envoy Gateway's).
    /// </summary>
    [JsonPropertyName("cacheDuration")] public string? CacheDuration { get; set; }

    /// <summary>
    /// ConfigMaps or Secrets (group "") of the filter's namespace whose key <c>ca.crt</c> holds the PEM CA certificates the
    /// server's certificate must chain to; at most 8. Default: the system's trust store.
    /// </summary>
    [JsonPropertyName("caCertificateRefs")] public List<LocalObjectReference>? CaCertificateRefs { get; set; }

    public const string DefaultCacheDuration = "300s";
    public static readonly TimeSpan MinCacheDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxCacheDuration = TimeSpan.FromHours(24);
}

/// <summary>Where a provider looks for its token: headers (with a prefix), cookies, query parameters; at least one.</summary>
public sealed class HTTPJWTExtractor
{
    [JsonPropertyName("headers")] public List<HTTPJWTHeaderExtractor>? Headers { get; set; }

    /// <summary>Cookie names.</summary>
    [JsonPropertyName("cookies")] public List<string>? Cookies { get; set; }

    /// <summary>Query parameter names.</summary>
    [JsonPropertyName("params")] public List<string>? Params { get; set; }
}

/// <summary>A header holding the token after <see cref="ValuePrefix"/> ("Bearer "; matched ignoring case).</summary>
public sealed class HTTPJWTHeaderExtractor
{
    [JsonPropertyName("name")] public string? Name { get; set; }

    /// <summary>Text before the token; default none (the whole value is the token).</summary>
    [JsonPropertyName("valuePrefix")] public string? ValuePrefix { get; set; }
}

/// <summary>Copies claim <see cref="Claim"/> (nested claims with dots: <c>org.id</c>) into request header <see cref="Header"/>.</summary>
public sealed class HTTPJWTClaimToHeader
{
    [JsonPropertyName("header")] public string? Header { get; set; }

    [JsonPropertyName("claim")] public string? Claim { get; set; }
}

/// <summary>
/// HTTP Basic authentication of an HTTPTrafficFilter (the shape of Envoy Gateway's SecurityPolicy <c>basicAuth</c>):
/// users and password hashes from the <c>.htpasswd</c> key of a Secret in the filter's namespace.
/// </summary>
public sealed class HTTPBasicAuthentication
{
    /// <summary>Required: the Secret (group "", kind Secret) whose <c>.htpasswd</c> key lists <c>user:{SHA}hash</c> lines.</summary>
    [JsonPropertyName("users")] public SecretObjectReference? Users { get; set; }

    /// <summary>A request header that carries the authenticated user name to the backend; none by default.</summary>
    [JsonPropertyName("forwardUsernameHeader")] public string? ForwardUsernameHeader { get; set; }

    /// <summary>Keep the <c>Authorization</c> header when forwarding; default false (the backend never sees the password).</summary>
    [JsonPropertyName("forwardCredentials")] public bool? ForwardCredentials { get; set; }

    /// <summary>The realm of the <c>WWW-Authenticate: Basic</c> challenge; default the request's host.</summary>
    [JsonPropertyName("realm")] public string? Realm { get; set; }

    public const string SecretKey = ".htpasswd";
}
