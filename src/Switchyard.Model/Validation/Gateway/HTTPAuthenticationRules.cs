using System.Text.Json;
using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for the <c>jwt</c> and <c>basicAuth</c> parts of an HTTPTrafficFilter. JWT: 1 to 4 providers with unique
/// names; each has a local key set (Inline JSON with a non-empty <c>keys</c> array, or a ValueRef to a ConfigMap) or a
/// remote one (an https URI, a cacheDuration from 10s to 24h, up to 8 CA references of the filter's namespace), an
/// optional issuer, up to 8 audiences, token locations (headers with a prefix, cookies, query parameters), up to 16
/// claim headers and a clock skew. Basic: a Secret of the filter's namespace. Headers the gateway sets (claims, user
/// name) must not be ones the proxy manages or ones a token is read from; with both methods, no provider may read
/// the Authorization header, which Basic uses.
/// </summary>
internal static class HTTPAuthenticationRules
{
    public const int MaxProviders = 4;
    public const int MaxAudiences = 8;
    public const int MaxClaimHeaders = 16;
    public const int MaxLocations = 8;
    public const int MaxInlineJwks = 64 * 1024;
    public const int MaxRemoteUri = 253;
    public const int MaxCaCertificateRefs = 8;

    /// <summary>The token location of a provider without <c>extractFrom</c>: the Authorization header, prefix "Bearer ".</summary>
    public const string DefaultHeader = "Authorization";

    /// <summary>Headers the gateway may not set from a claim or user name: framing, hop-by-hop, routing, credentials and the proxy's own.</summary>
    private static readonly string[] Reserved =
    [
        "Host", "Content-Length", "Transfer-Encoding", "Content-Type", "Connection", "Keep-Alive", "Proxy-Connection", "Upgrade", "TE", "Trailer",
        "Authorization", "Proxy-Authorization", "Cookie", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "traceparent",
    ];

    public static void Default(HTTPTrafficFilterSpec spec)
    {
        if (spec.Jwt is { } jwt)
        {
            jwt.Optional ??= false;
            foreach (var p in jwt.Providers ?? [])
            {
                if (p is null) continue;
                p.ForwardToken ??= false;
                p.ClockSkew ??= "60s";
                if (p.RemoteJWKS is { } remote) remote.CacheDuration ??= HTTPRemoteJWKS.DefaultCacheDuration;
            }
        }
        if (spec.BasicAuth is { } basic) basic.ForwardCredentials ??= false;
    }

    public static void Validate(HTTPTrafficFilterSpec spec, string ns, List<FieldError> errors)
    {
        if (spec.Jwt is { } jwt) Jwt(jwt, "spec.jwt", errors);
        if (spec.BasicAuth is { } basic) Basic(basic, ns, "spec.basicAuth", errors);
        if (spec.Jwt?.Providers is { } providers && spec.BasicAuth is not null)
        {
            for (var i = 0; i < providers.Count; i++)
            {
                if (providers[i] is not { } p || !ReadsHeader(p, DefaultHeader)) continue;
                var where = FieldPath.Index("spec.jwt.providers", i);
                errors.Invalid(p.ExtractFrom is null ? where : FieldPath.Child(where, "extractFrom"), DefaultHeader,
                    "basicAuth uses the Authorization header; read this provider's token from another header, a cookie or a query parameter (extractFrom)");
            }
        }
        if (spec.BasicAuth?.ForwardUsernameHeader is { Length: > 0 } user && spec.Jwt?.Providers is { } ps
            && ps.Any(p => p?.ClaimToHeaders?.Any(c => string.Equals(c?.Header, user, StringComparison.OrdinalIgnoreCase)) == true))
            errors.Invalid("spec.basicAuth.forwardUsernameHeader", user, "a JWT claim is copied into this header too; pick another name");
    }

    private static void Jwt(HTTPJWTAuthentication jwt, string path, List<FieldError> errors)
    {
        Realm(jwt.Realm, FieldPath.Child(path, "realm"), errors);
        var providersPath = FieldPath.Child(path, "providers");
        if (jwt.Providers is not { Count: > 0 } providers)
        {
            errors.Required(providersPath, "name at least one provider");
            return;
        }
        GatewayFields.MaxItems(providers, providersPath, MaxProviders, errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tokenHeaders = providers.Where(p => p is not null).SelectMany(TokenHeaders).ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < providers.Count; i++)
        {
            var p = providers[i];
            var at = FieldPath.Index(providersPath, i);
            if (p is null)
            {
                errors.Required(at);
                continue;
            }
            GatewayFields.RequiredString(p.Name, FieldPath.Child(at, "name"), 253, errors);
            if (!string.IsNullOrEmpty(p.Name) && !names.Add(p.Name)) errors.Duplicate(FieldPath.Child(at, "name"), p.Name);
            if (p.Issuer is not null)
            {
                if (p.Issuer.Length == 0) errors.Invalid(FieldPath.Child(at, "issuer"), p.Issuer, "must not be empty; omit the field to accept any issuer");
                GatewayFields.MaxLength(p.Issuer, FieldPath.Child(at, "issuer"), 253, errors);
            }
            GatewayFields.MaxItems(p.Audiences, FieldPath.Child(at, "audiences"), MaxAudiences, errors);
            for (var a = 0; a < (p.Audiences?.Count ?? 0); a++)
                GatewayFields.RequiredString(p.Audiences![a], FieldPath.Index(FieldPath.Child(at, "audiences"), a), 253, errors);
            if (p.RemoteJWKS is { } remote)
            {
                if (p.LocalJWKS is not null) errors.Forbidden(FieldPath.Child(at, "remoteJWKS"), "set only one of localJWKS and remoteJWKS");
                Remote(remote, FieldPath.Child(at, "remoteJWKS"), errors);
            }
            else Jwks(p.LocalJWKS, FieldPath.Child(at, "localJWKS"), errors);
            Extractor(p.ExtractFrom, FieldPath.Child(at, "extractFrom"), errors);
            ClaimHeaders(p.ClaimToHeaders, tokenHeaders, FieldPath.Child(at, "claimToHeaders"), errors);
            if (GatewayFields.Duration(p.ClockSkew, FieldPath.Child(at, "clockSkew"), errors) is { } skew && skew > TimeSpan.FromHours(1))
                errors.Invalid(FieldPath.Child(at, "clockSkew"), p.ClockSkew, "must be at most 1h");
        }
    }

    /// <summary>The headers a provider reads its token from (Authorization when it names no location).</summary>
    public static IEnumerable<string> TokenHeaders(HTTPJWTProvider p) =>
        p.ExtractFrom is null ? [DefaultHeader] : (p.ExtractFrom.Headers ?? []).Select(h => h?.Name).OfType<string>();

    private static bool ReadsHeader(HTTPJWTProvider p, string header) => TokenHeaders(p).Contains(header, StringComparer.OrdinalIgnoreCase);

    private static void Jwks(HTTPLocalJWKS? jwks, string path, List<FieldError> errors)
    {
        if (jwks is null)
        {
            errors.Required(path, "give the key set inline or in a ConfigMap (valueRef), or fetch it from the issuer (remoteJWKS)");
            return;
        }
        GatewayFields.OneOf(jwks.Type, FieldPath.Child(path, "type"), HTTPLocalJWKS.Types, errors, required: true);
        var inlinePath = FieldPath.Child(path, "inline");
        var refPath = FieldPath.Child(path, "valueRef");
        switch (jwks.Type)
        {
            case HTTPLocalJWKS.InlineType:
                if (jwks.ValueRef is not null) errors.Forbidden(refPath, "set only with type ValueRef");
                if (string.IsNullOrEmpty(jwks.Inline)) errors.Required(inlinePath, "the JSON Web Key Set, {\"keys\": [...]}");
                else if (jwks.Inline.Length > MaxInlineJwks) errors.TooLong(inlinePath, MaxInlineJwks, "characters");
                else if (KeySetProblem(jwks.Inline) is { } problem) errors.Add(new FieldError(inlinePath, $"Invalid value: {problem}"));
                break;
            case HTTPLocalJWKS.ValueRefType:
                if (jwks.Inline is not null) errors.Forbidden(inlinePath, "set only with type Inline");
                if (jwks.ValueRef is not { } r)
                {
                    errors.Required(refPath, "a ConfigMap whose key \"jwks\" holds the key set");
                    break;
                }
                if (!string.IsNullOrEmpty(r.Group)) errors.NotSupported(FieldPath.Child(refPath, "group"), r.Group, [""]);
                if (r.Kind != "ConfigMap") errors.NotSupported(FieldPath.Child(refPath, "kind"), r.Kind, ["ConfigMap"]);
                GatewayFields.ObjectName(r.Name, FieldPath.Child(refPath, "name"), errors);
                break;
        }
    }

    /// <summary>
    /// A remote key set: an absolute https URI without user info or fragment (keys fetched in cleartext could be
    /// swapped by anyone on the path, who could then sign tokens), a cacheDuration within bounds, CA references to
    /// ConfigMaps or Secrets of the filter's namespace.
    /// </summary>
    private static void Remote(HTTPRemoteJWKS remote, string path, List<FieldError> errors)
    {
        var uriPath = FieldPath.Child(path, "uri");
        if (string.IsNullOrEmpty(remote.Uri)) errors.Required(uriPath, "the https URI of the issuer's JSON Web Key Set");
        else if (remote.Uri.Length > MaxRemoteUri) errors.TooLong(uriPath, MaxRemoteUri, "characters");
        else if (RemoteUriProblem(remote.Uri) is { } problem) errors.Invalid(uriPath, remote.Uri, problem);
        var durationPath = FieldPath.Child(path, "cacheDuration");
        if (GatewayFields.Duration(remote.CacheDuration, durationPath, errors) is { } d && (d < HTTPRemoteJWKS.MinCacheDuration || d > HTTPRemoteJWKS.MaxCacheDuration))
            errors.Invalid(durationPath, remote.CacheDuration, "must be from 10s to 24h");
        if (remote.CaCertificateRefs is not { } refs) return;
        var refsPath = FieldPath.Child(path, "caCertificateRefs");
        if (refs.Count == 0) errors.Required(refsPath, "name at least one ConfigMap or Secret, or omit the field to trust the system's CAs");
        GatewayFields.MaxItems(refs, refsPath, MaxCaCertificateRefs, errors);
        for (var i = 0; i < refs.Count; i++)
        {
            var at = FieldPath.Index(refsPath, i);
            if (refs[i] is not { } r)
            {
                errors.Required(at);
                continue;
            }
            if (!string.IsNullOrEmpty(r.Group)) errors.NotSupported(FieldPath.Child(at, "group"), r.Group, [""]);
            if (r.Kind is not ("ConfigMap" or "Secret")) errors.NotSupported(FieldPath.Child(at, "kind"), r.Kind, ["ConfigMap", "Secret"]);
            GatewayFields.ObjectName(r.Name, FieldPath.Child(at, "name"), errors);
        }
    }

    /// <summary>Why <paramref name="uri"/> cannot be fetched as a remote key set; null when it can.</summary>
    public static string? RemoteUriProblem(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || u.IsFile || u.IsUnc) return "must be an absolute URI (https://issuer.example/.well-known/jwks.json)";
        if (u.Scheme != Uri.UriSchemeHttps) return "must use https: a key set fetched in cleartext could be replaced on the way, and with it who may sign tokens";
        if (u.Host.Length == 0) return "must name a host";
        if (u.UserInfo.Length > 0) return "must not carry user information (user:password@)";
        if (u.Fragment.Length > 0) return "must not have a fragment (#...)";
        if (uri.AsSpan().ContainsAnyExceptInRange('!', '~')) return "must be printable ASCII without spaces";
        return null;
    }

    /// <summary>Why <paramref name="json"/> is not a JSON Web Key Set (an object whose "keys" is a non-empty array of objects with a "kty"); null when it is one.</summary>
    public static string? KeySetProblem(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
                return "must be a JSON Web Key Set: an object with a \"keys\" array";
            if (keys.GetArrayLength() == 0) return "must be a JSON Web Key Set with at least one key";
            var i = 0;
            foreach (var key in keys.EnumerateArray())
            {
                if (key.ValueKind != JsonValueKind.Object || !key.TryGetProperty("kty", out var kty) || kty.ValueKind != JsonValueKind.String)
                    return $"keys[{i}] must be a JSON Web Key with a \"kty\"";
                i++;
            }
            return null;
        }
        catch (JsonException e)
        {
            return $"must be a JSON Web Key Set: not JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
        }
    }

    private static void Extractor(HTTPJWTExtractor? from, string path, List<FieldError> errors)
    {
        if (from is null) return;
        var count = (from.Headers?.Count ?? 0) + (from.Cookies?.Count ?? 0) + (from.Params?.Count ?? 0);
        if (count == 0) errors.Required(path, "set headers, cookies or params, or omit extractFrom to read the Authorization header (\"Bearer \")");
        if (count > MaxLocations) errors.TooMany(path, count, MaxLocations);
        for (var i = 0; i < (from.Headers?.Count ?? 0); i++)
        {
            var at = FieldPath.Index(FieldPath.Child(path, "headers"), i);
            if (from.Headers![i] is not { } h)
            {
                errors.Required(at);
                continue;
            }
            GatewayFields.HeaderName(h.Name, FieldPath.Child(at, "name"), errors);
            if (h.Name is { } name && Array.Exists(Reserved, r => r != DefaultHeader && string.Equals(r, name, StringComparison.OrdinalIgnoreCase)))
                errors.Invalid(FieldPath.Child(at, "name"), name, "the proxy manages this header; a token cannot be read from it");
            if (h.ValuePrefix is { } prefix)
            {
                GatewayFields.MaxLength(prefix, FieldPath.Child(at, "valuePrefix"), 64, errors);
                if (prefix.AsSpan().ContainsAnyExceptInRange(' ', '~')) errors.Invalid(FieldPath.Child(at, "valuePrefix"), prefix, "must be printable ASCII");
            }
        }
        for (var i = 0; i < (from.Cookies?.Count ?? 0); i++)
            Token(from.Cookies![i], FieldPath.Index(FieldPath.Child(path, "cookies"), i), "a cookie name", errors);
        for (var i = 0; i < (from.Params?.Count ?? 0); i++)
            GatewayFields.RequiredString(from.Params![i], FieldPath.Index(FieldPath.Child(path, "params"), i), 256, errors);
    }

    private static void ClaimHeaders(List<HTTPJWTClaimToHeader>? claims, HashSet<string> tokenHeaders, string path, List<FieldError> errors)
    {
        if (claims is null) return;
        GatewayFields.MaxItems(claims, path, MaxClaimHeaders, errors);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < claims.Count; i++)
        {
            var at = FieldPath.Index(path, i);
            if (claims[i] is not { } c)
            {
                errors.Required(at);
                continue;
            }
            var header = FieldPath.Child(at, "header");
            if (SetHeader(c.Header, header, errors) && c.Header is { } name)
            {
                if (tokenHeaders.Contains(name)) errors.Invalid(header, name, "a token is read from this header; pick another name");
                if (!seen.Add(name)) errors.Duplicate(header, name);
            }
            GatewayFields.RequiredString(c.Claim, FieldPath.Child(at, "claim"), 256, errors);
            if (c.Claim is { Length: > 0 } claim && (claim.StartsWith('.') || claim.EndsWith('.') || claim.Contains("..", StringComparison.Ordinal)))
                errors.Invalid(FieldPath.Child(at, "claim"), claim, "must be a claim name, or names joined by '.' for a nested claim (e.g. \"org.id\")");
        }
    }

    private static void Basic(HTTPBasicAuthentication basic, string ns, string path, List<FieldError> errors)
    {
        var users = FieldPath.Child(path, "users");
        if (basic.Users is not { } r) errors.Required(users, "the Secret whose key \".htpasswd\" lists the users");
        else
        {
            if (!string.IsNullOrEmpty(r.Group)) errors.NotSupported(FieldPath.Child(users, "group"), r.Group, [""]);
            if (r.Kind is not null && r.Kind != "Secret") errors.NotSupported(FieldPath.Child(users, "kind"), r.Kind, ["Secret"]);
            GatewayFields.ObjectName(r.Name, FieldPath.Child(users, "name"), errors);
            if (r.Namespace is not null && r.Namespace != ns)
                errors.Forbidden(FieldPath.Child(users, "namespace"), $"the Secret must be in the filter's namespace ({ns})");
        }
        if (basic.ForwardUsernameHeader is not null) SetHeader(basic.ForwardUsernameHeader, FieldPath.Child(path, "forwardUsernameHeader"), errors);
        Realm(basic.Realm, FieldPath.Child(path, "realm"), errors);
    }

    /// <summary>A header the gateway sets: a valid name, not one the proxy manages. True when it is usable.</summary>
    private static bool SetHeader(string? name, string path, List<FieldError> errors)
    {
        var before = errors.Count;
        GatewayFields.HeaderName(name, path, errors);
        if (name is not null && Array.Exists(Reserved, r => string.Equals(r, name, StringComparison.OrdinalIgnoreCase)))
            errors.Invalid(path, name, "the proxy manages this header or it carries credentials; pick another name");
        return errors.Count == before;
    }

    private static void Token(string? value, string path, string what, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value)) errors.Required(path);
        else if (value.Length > 256) errors.TooLong(path, 256, "characters");
        else if (value.AsSpan().ContainsAnyExcept(TokenChars)) errors.Invalid(path, value, $"must be {what}: letters, digits and !#$%&'*+-.^_`|~ only");
    }

    private static readonly System.Buffers.SearchValues<char> TokenChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~");

    private static void Realm(string? realm, string path, List<FieldError> errors)
    {
        if (realm is null) return;
        if (realm.Length == 0) errors.Invalid(path, realm, "must not be empty; omit the field to use the request's host");
        GatewayFields.MaxLength(realm, path, 128, errors);
        if (realm.AsSpan().ContainsAnyExceptInRange(' ', '~') || realm.Contains('"', StringComparison.Ordinal) || realm.Contains('\\', StringComparison.Ordinal))
            errors.Invalid(path, realm, "must be printable ASCII without '\"' or '\\'");
    }
}
