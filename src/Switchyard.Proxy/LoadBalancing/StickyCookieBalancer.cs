using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>
/// Sticky-cookie session affinity around any policy: a request whose cookie names a usable endpoint of the backend
/// goes there; any other (no cookie, unknown value, endpoint gone, ejected or failing health checks, or a retry) is
/// balanced by the inner policy, and the response carries a cookie naming the endpoint chosen. The cookie value is a
/// hash of the endpoint address, not the address itself. Each attempt stamps its endpoint; an error the proxy answers
/// itself after failed attempts carries no cookie (<see cref="Pipeline.RequestHandler.Answer"/> drops it).
/// </summary>
internal sealed class StickyCookieBalancer : ILoadBalancer
{
    private readonly ILoadBalancer _inner;
    private readonly Dictionary<string, EndpointState> _byToken = new(StringComparer.Ordinal);
    private readonly Dictionary<EndpointState, string> _cookies = new(ReferenceEqualityComparer.Instance);

    public StickyCookieBalancer(ILoadBalancer inner, StickyCookie cookie, EndpointState[] endpoints)
    {
        _inner = inner;
        Cookie = cookie;
        foreach (var e in endpoints)
        {
            var token = Token(e);
            _byToken[token] = e;
            _cookies[e] = cookie.Render(token);
        }
    }

    public StickyCookie Cookie { get; }

    /// <summary>The policy inside: a rule's sessionPersistence replaces the Service's sticky cookie.</summary>
    public ILoadBalancer WithoutAffinity => _inner;

    public string? HashedHeader => _inner.HashedHeader;

    public static string Token(EndpointState endpoint) => Hashing.Fnv1a(endpoint.Name).ToString("x16", CultureInfo.InvariantCulture);

    public EndpointState? Pick(EndpointState[] endpoints, HttpContext context, long now, EndpointState? avoid)
    {
        if (avoid is null && context.Request.Cookies.TryGetValue(Cookie.Name, out var token) && token is not null
            && _byToken.TryGetValue(token, out var pinned) && EndpointFilter.Usable(pinned, now, null))
        {
            return pinned;
        }
        return _inner.Pick(endpoints, context, now, avoid);
    }

    /// <summary>Sets the response cookie for <paramref name="endpoint"/> unless the request already names it.</summary>
    public void Picked(HttpContext context, EndpointState endpoint)
    {
        var headers = context.Response.Headers;
        if (context.Request.Cookies.TryGetValue(Cookie.Name, out var token) && _byToken.TryGetValue(token ?? "", out var pinned) && ReferenceEquals(pinned, endpoint))
        {
            headers.Remove(HeaderNames.SetCookie);
            return;
        }
        if (_cookies.TryGetValue(endpoint, out var cookie)) headers.SetCookie = cookie;
    }
}

/// <summary>The affinity cookie: its name and, when set, its lifetime (Max-Age); otherwise a session cookie.</summary>
internal sealed record StickyCookie(string Name, TimeSpan? MaxAge)
{
    public string Render(string token) =>
        MaxAge is { } age ? $"{Name}={token}; Path=/; Max-Age={(long)age.TotalSeconds}; HttpOnly" : $"{Name}={token}; Path=/; HttpOnly";
}
