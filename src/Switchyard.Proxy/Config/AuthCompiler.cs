using System.Security.Cryptography;
using System.Text;
using Switchyard.Model.Gateway;
using Switchyard.Model.Networking;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.Resilience;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Compiles the <c>jwt</c> and <c>basicAuth</c> of a validated HTTPTrafficFilter into a <see cref="RuleAuth"/>: reads
/// the local key sets (inline or ConfigMap key <c>jwks</c>), the CA bundles of remote ones, and the htpasswd Secret
/// (key <c>.htpasswd</c>) of the filter's namespace. Every problem is reported, each naming the provider or part and the
/// object; any problem means no RuleAuth (the rule then fails closed). Parsed key sets are kept across compiles while
/// their text is unchanged, so the library's cache of verifiers stays warm; a remote key set's fetcher is kept by URI
/// and CA bundle, started by the first compile that names it and shared by every provider naming it, refreshing at the
/// shortest cacheDuration among them.
/// </summary>
internal sealed class AuthCompiler(ProxyInputs inputs, KeptState kept, TimeProvider time, RemoteJwksFetchers? fetchers = null)
{
    private readonly Dictionary<RemoteJwks, TimeSpan> _refresh = new(ReferenceEqualityComparer.Instance);
    private CaBundles? _cas;

    public (RuleAuth? Auth, List<string> Problems) Compile(string ns, HTTPTrafficFilterSpec spec)
    {
        var problems = new List<string>();
        var basic = spec.BasicAuth is { } b ? Basic(ns, b, problems) : null;
        var jwt = spec.Jwt is { } j ? Jwt(ns, j, problems) : null;
        var authorization = spec.Authorization is { } a ? Authorization(a) : null;
        return (problems.Count == 0 ? new RuleAuth(basic, jwt, authorization) : null, problems);
    }

    /// <summary>The validated <c>authorization</c> as rules with parsed CIDRs, upper-case methods and split claim paths.</summary>
    private static RuleAuthorization Authorization(HTTPAuthorization authz)
    {
        var rules = new List<AuthorizationRule>();
        foreach (var (r, i) in (authz.Rules ?? []).Select((r, i) => (r, i)))
        {
            var p = r.Principal!;
            rules.Add(new AuthorizationRule
            {
                Name = r.Name ?? $"rule-{i}",
                Allow = r.Action == HTTPAuthorization.Allow,
                Methods = r.Operation?.Methods is { } methods ? [.. methods.Select(m => m.ToUpperInvariant())] : null,
                ClientCidrs = p.ClientCIDRs is { } cidrs ? [.. cidrs.Select(c => IpPrefix.TryParse(c, out var prefix) ? prefix : throw new InvalidOperationException($"unvalidated CIDR {c}"))] : null,
                JwtProvider = p.Jwt?.Provider,
                Claims = [.. (p.Jwt?.Claims ?? []).Select(c => new ClaimMatch(c.Name!, c.ValueType == HTTPAuthorizationJWTClaim.StringArray, [.. c.Values!]))],
                Scopes = [.. p.Jwt?.Scopes ?? []],
                Headers = p.Headers is { } headers ? [.. headers.Select(h => (h.Name!, h.Values!.ToArray()))] : null,
            });
        }
        return new RuleAuthorization(rules, authz.DefaultAction == HTTPAuthorization.Allow);
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
            JwtKeySource? keys = p.RemoteJWKS is { } remote ? Remote(ns, remote, where, problems) : Local(ns, p.LocalJWKS!, where, problems);
            if (keys is null) continue;
            var skew = GatewayDuration.TryParse(p.ClockSkew ?? "60s", out var s) ? s : TimeSpan.FromSeconds(60);
            providers.Add(new JwtProvider(p.Name!, keys, p.Issuer, p.Audiences ?? [], skew, time, Locations(p.ExtractFrom),
                [.. (p.ClaimToHeaders ?? []).Select(c => new ClaimHeader(c.Header!, c.Claim!))], p.ForwardToken ?? false));
        }
        return providers.Count == (jwt.Providers?.Count ?? 0) ? new JwtAuthenticator(providers, jwt.Optional ?? false, jwt.Realm) : null;
    }

    private FixedJwtKeys? Local(string ns, HTTPLocalJWKS jwks, string where, List<string> problems)
    {
        var (json, source) = KeySetText(ns, jwks, where, problems);
        if (json is null) return null;
        var parsed = kept.GetOrAdd(("jwks", json), () => new ParsedKeySet(JwtKeySet.Parse(json)));
        if (parsed.Result.Error is { } error)
        {
            problems.Add($"{where}: key set {source} {error}");
            return null;
        }
        return new FixedJwtKeys(parsed.Result.Keys!);
    }

    /// <summary>The fetcher of a remote key set (started when first named), or null with the problems of its CA references.</summary>
    private RemoteJwks? Remote(string ns, HTTPRemoteJWKS remote, string where, List<string> problems)
    {
        if (fetchers is null)
        {
            problems.Add($"{where}: remoteJWKS: this proxy fetches no remote key sets");
            return null;
        }
        string? roots = null;
        if (remote.CaCertificateRefs is { Count: > 0 } refs)
        {
            _cas ??= new CaBundles(inputs);
            var pems = new List<string>();
            foreach (var r in refs)
            {
                var (pem, error) = _cas.Read(ns, r.Name, secret: r.Kind == "Secret");
                if (error is not null) problems.Add($"{where}: remoteJWKS: {error}");
                else pems.Add(pem!);
            }
            if (pems.Count < refs.Count) return null;
            roots = string.Join("\n", pems);
        }
        var uri = new Uri(remote.Uri!);
        var interval = GatewayDuration.TryParse(remote.CacheDuration ?? HTTPRemoteJWKS.DefaultCacheDuration, out var d) ? d : TimeSpan.FromMinutes(5);
        var trust = roots is null ? "system" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(roots)));
        var fetcher = kept.GetOrAdd(("remote-jwks", uri.AbsoluteUri, trust), () => fetchers.Start(uri, roots, interval));
        // The shortest cacheDuration of this compile's providers using the fetcher wins; a later compile sets it anew.
        if (_refresh.TryGetValue(fetcher, out var shortest) && shortest < interval) interval = shortest;
        _refresh[fetcher] = interval;
        fetcher.RefreshInterval = interval;
        return fetcher;
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
