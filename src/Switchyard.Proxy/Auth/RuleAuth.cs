using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// Authentication and authorization layer of a route rule, from the <c>jwt</c>, <c>basicAuth</c> and
/// <c>authorization</c> of its HTTPTrafficFilter. It runs
/// after the route matched (CORS preflights are answered before it) and before the rule's other filters, redirect,
/// rate limit, faults and the backend: an unauthenticated request costs no token of the rate limit and never reaches
/// a backend. First the headers the gateway sets (claims, user name) are removed from the request, so a client
/// cannot forge them; then Basic, then JWT when both are set (both must pass), then the authorization rules, which see
/// the provider that accepted the token. Compiled once per snapshot; a filter without <c>authorization</c> costs one
/// null check more.
/// </summary>
internal sealed class RuleAuth
{
    private readonly string[] _managedHeaders;

    public RuleAuth(BasicAuthenticator? basic, JwtAuthenticator? jwt, RuleAuthorization? authorization = null)
    {
        Basic = basic;
        Jwt = jwt;
        Authorization = authorization;
        var managed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (basic?.UsernameHeader is { } user) managed.Add(user);
        foreach (var p in jwt?.Providers ?? []) foreach (var c in p.ClaimHeaders) managed.Add(c.Header);
        _managedHeaders = [.. managed];
    }

    public BasicAuthenticator? Basic { get; }

    public JwtAuthenticator? Jwt { get; }

    public RuleAuthorization? Authorization { get; }

    /// <summary>Null when the request may go on (with the gateway's headers set); otherwise the 401 or 403 to answer.</summary>
    public async ValueTask<AuthRefusal?> AuthenticateAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        foreach (var name in _managedHeaders) headers.Remove(name);
        if (Basic?.Authenticate(context) is { } refused) return refused;
        JwtIdentity? identity = null;
        if (Jwt is not null)
        {
            (var invalid, identity) = await Jwt.AuthenticateAsync(context).ConfigureAwait(false);
            if (invalid is not null) return invalid;
        }
        return Authorization?.Authorize(context, identity);
    }
}
