using System.Text;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.Resilience;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Compiles the <c>jwt</c> and <c>basicAuth</c> of a validated HTTPTrafficFilter into a <see cref="RuleAuth"/>: reads
/// the key sets (inline or ConfigMap key <c>jwks</c>) and the htpasswd Secret (key <c>.htpasswd</c>) of the filter's
/// namespace. Every problem is reported, each naming the provider or part and the object; any problem means no
/// RuleAuth (the rule then fails closed). Parsed key sets are kept across compiles while their text is unchanged, so
/// the library's cache of verifiers stays warm.
/// </summary>
internal sealed class AuthCompiler(ProxyInputs inputs, KeptState kept, TimeProvider time)
{
    public (RuleAuth? Auth, List<string> Problems) Compile(string ns, HTTPTrafficFilterSpec spec)
    {
        var problems = new List<string>();
        var basic = spec.BasicAuth is { } b ? Basic(ns, b, problems) : null;
        var jwt = spec.Jwt is { } j ? Jwt(ns, j, problems) : null;
        return (problems.Count == 0 ? new RuleAuth(basic, jwt) : null, problems);
    }

    private BasicAuthenticator? Basic(string ns, HTTPBasicAuthentication basic, List<string> problems)
    {
        var name = basic.Users?.Name ?? "";
        var secret = inputs.Secrets.FirstOrDefault(s => (s.Metadata.NamespaceProperty ?? "default") == ns && s.Metadata.Name == name);
        string? text = null;
        if (secret is null) problems.Add($"basicAuth: secret {ns}/{name} not found");
        else if (secret.Data?.TryGetValue(HTTPBasicAuthentication.SecretKey, out var bytes) == true) text = Encoding.UTF8.GetString(bytes);
        else if (secret.StringData?.TryGetValue(HTTPBasicAuthentication.SecretKey, out var s) == true) text = s;
        else problems.Add($"basicAuth: secret {ns}/{name} has no key {HTTPBasicAuthentication.SecretKey}");
        if (text is null) return null;
        var (users, errors) = Htpasswd.Parse(text);
        problems.AddRange(errors.Select(e => $"basicAuth: secret {ns}/{name} {HTTPBasicAuthentication.SecretKey}: {e}"));
        return users is null ? null : new BasicAuthenticator(users, basic.ForwardUsernameHeader, basic.ForwardCredentials ?? false, basic.Realm);
    }

    private JwtAuthenticator? Jwt(string ns, HTTPJWTAuthentication jwt, List<string> problems)
    {
        var providers = new List<JwtProvider>();
        foreach (var p in jwt.Providers ?? [])
        {
            var where = $"jwt provider {p.Name}";
            var (json, source) = KeySetText(ns, p.LocalJWKS!, where, problems);
            if (json is null) continue;
            var parsed = kept.GetOrAdd(("jwks", json), () => new ParsedKeySet(JwtKeySet.Parse(json)));
            if (parsed.Result.Error is { } error)
            {
                problems.Add($"{where}: key set {source} {error}");
                continue;
            }
            var skew = GatewayDuration.TryParse(p.ClockSkew ?? "60s", out var s) ? s : TimeSpan.FromSeconds(60);
            providers.Add(new JwtProvider(p.Name!, parsed.Result.Keys!, p.Issuer, p.Audiences ?? [], skew, time, Locations(p.ExtractFrom),
                [.. (p.ClaimToHeaders ?? []).Select(c => new ClaimHeader(c.Header!, c.Claim!))], p.ForwardToken ?? false));
        }
        return providers.Count == (jwt.Providers?.Count ?? 0) ? new JwtAuthenticator(providers, jwt.Optional ?? false, jwt.Realm) : null;
    }

    /// <summary>The key set's JSON and where it came from ("inline", "from configmap ns/name"), or a problem.</summary>
    private (string? Json, string Source) KeySetText(string ns, HTTPLocalJWKS jwks, string where, List<string> problems)
    {
        if (jwks.Type == HTTPLocalJWKS.InlineType) return (jwks.Inline, "inline");
        var name = jwks.ValueRef?.Name ?? "";
        var source = $"configmap {ns}/{name}";
        var map = inputs.ConfigMaps.FirstOrDefault(c => (c.Metadata.NamespaceProperty ?? "default") == ns && c.Metadata.Name == name);
        if (map is null) problems.Add($"{where}: {source} not found");
        else if (map.Data?.TryGetValue(HTTPLocalJWKS.ConfigMapKey, out var json) == true && !string.IsNullOrWhiteSpace(json)) return (json, $"from {source}");
        else problems.Add($"{where}: {source} has no key {HTTPLocalJWKS.ConfigMapKey}");
        return (null, source);
    }

    private static List<TokenLocation> Locations(HTTPJWTExtractor? from)
    {
        if (from is null) return [TokenLocation.Bearer];
        var locations = new List<TokenLocation>();
        foreach (var h in from.Headers ?? []) locations.Add(new HeaderLocation(h.Name!, h.ValuePrefix ?? ""));
        foreach (var c in from.Cookies ?? []) locations.Add(new CookieLocation(c));
        foreach (var q in from.Params ?? []) locations.Add(new QueryLocation(q));
        return locations;
    }

    /// <summary>A parsed key set as kept across compiles (a class, as <see cref="KeptState"/> holds).</summary>
    private sealed record ParsedKeySet((JwtKeySet? Keys, string? Error) Result);
}
