using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.LoadBalancing;

namespace Switchyard.Proxy.Sessions;

/// <summary>How the session token travels: a cookie the proxy sets, or a header it answers with and the client sends back.</summary>
internal enum SessionCarrier
{
    Cookie,
    Header,
}

/// <summary>What became of the session a request sent; the metric's result label.</summary>
internal static class SessionLookup
{
    public const string Pinned = "pinned";
    public const string None = "none";
    public const string Expired = "expired";
    public const string Invalid = "invalid";
    public const string Unavailable = "unavailable";
}

/// <summary>
/// A request's valid session: the backend and endpoint it is pinned to, its times, and the token as the client sent it;
/// <paramref name="Text"/> is null when that token was sealed with the previous key (a rotation), so the answer carries it sealed anew.
/// </summary>
internal readonly record struct SessionPin(Backend Backend, EndpointState Endpoint, SessionToken Token, string? Text);

/// <summary>
/// Session persistence of one route rule (Gateway API <c>sessionPersistence</c>, GEP-1619), compiled once per snapshot.
/// A request whose token is valid (sealed with this rule's key, not past absoluteTimeout nor idle longer than
/// idleTimeout, naming an endpoint of one of the rule's backends — weight 0 included — that is ready, not ejected and
/// not failing health checks) goes to that backend and endpoint, bypassing the weighted choice and the load balancer.
/// Any other request is balanced as usual and its answer carries a new token. A retry never goes back to the endpoint
/// that failed: the token of the answer names the endpoint that produced it; the proxy's own error answers carry none.
/// </summary>
internal sealed class SessionPersistenceConfig
{
    private readonly byte[] _key;
    private readonly Dictionary<ulong, (Backend Backend, EndpointState Endpoint)> _byId = [];
    private readonly Dictionary<Backend, Dictionary<EndpointState, ulong>> _ids = [];
    private readonly byte[]? _previousKey; // opens tokens of the key before (a rotation); never seals
    private readonly Dictionary<ulong, (Backend Backend, EndpointState Endpoint)> _byPreviousId = [];
    private readonly long _absoluteMs;
    private readonly long _idleMs;
    private readonly long _refreshMs;

    /// <param name="keys">The rule's keys (<see cref="SessionKey.ForRule"/>).</param>
    /// <param name="backends">Every backendRef of the rule, weight 0 included; those that could not be resolved are left out.</param>
    public SessionPersistenceConfig(SessionCarrier carrier, string name, TimeSpan? absoluteTimeout, TimeSpan? idleTimeout, bool permanent, RuleKeys keys, IEnumerable<Backend> backends)
    {
        Carrier = carrier;
        Name = name;
        AbsoluteTimeout = absoluteTimeout;
        IdleTimeout = idleTimeout;
        Permanent = permanent;
        _key = keys.Current;
        _previousKey = keys.Previous;
        _absoluteMs = (long)(absoluteTimeout?.TotalMilliseconds ?? 0);
        _idleMs = (long)(idleTimeout?.TotalMilliseconds ?? 0);
        _refreshMs = Math.Min(1000, _idleMs / 4);
        foreach (var backend in backends.Where(b => b.Error is null))
        {
            if (_ids.ContainsKey(backend)) continue;
            var ids = _ids[backend] = [];
            foreach (var endpoint in backend.Endpoints)
            {
                var id = SessionToken.EndpointId(_key, backend.Name, endpoint.Name);
                ids[endpoint] = id;
                _byId.TryAdd(id, (backend, endpoint)); // a backend named twice in the rule: the first backendRef keeps its sessions
                if (_previousKey is not null) _byPreviousId.TryAdd(SessionToken.EndpointId(_previousKey, backend.Name, endpoint.Name), (backend, endpoint));
            }
        }
    }

    public SessionCarrier Carrier { get; }

    /// <summary>The cookie or header name: sessionName, or <c>sy-session-</c> and 8 hex digits of the rule's name.</summary>
    public string Name { get; }

    public TimeSpan? AbsoluteTimeout { get; }

    public TimeSpan? IdleTimeout { get; }

    /// <summary>cookieConfig.lifetimeType Permanent: the cookie has Max-Age and Expires (absoluteTimeout after the session began).</summary>
    public bool Permanent { get; }

    /// <summary>The default session name of rule <paramref name="rule"/>: unique per rule, stable while the rule keeps its name (or index).</summary>
    public static string DefaultName(string rule) => "sy-session-" + ((uint)Hashing.Fnv1a(rule)).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>
    /// The session the request names, if valid and its endpoint usable at <paramref name="timestamp"/>; several cookies or
    /// header values of the name are tried in order, the first valid one wins. <paramref name="lookup"/>: a
    /// <see cref="SessionLookup"/> value, why none was found (of the last one tried), or pinned.
    /// </summary>
    public SessionPin? Find(HttpRequest request, DateTimeOffset now, long timestamp, out string lookup)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        lookup = SessionLookup.None;
        if (Carrier == SessionCarrier.Cookie)
        {
            foreach (var line in request.Headers.Cookie)
            {
                var cookies = (line ?? "").AsSpan();
                foreach (var range in cookies.Split(';'))
                {
                    var pair = cookies[range].Trim();
                    if (pair.Length <= Name.Length || pair[Name.Length] != '=' || !pair.StartsWith(Name, StringComparison.Ordinal)) continue;
                    var value = pair[(Name.Length + 1)..];
                    if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
                    if (Pin(value, nowMs, timestamp, ref lookup) is { } pin) return pin;
                }
            }
            return null;
        }
        foreach (var line in request.Headers[Name])
        {
            var values = (line ?? "").AsSpan();
            foreach (var range in values.Split(','))
            {
                if (Pin(values[range].Trim(), nowMs, timestamp, ref lookup) is { } pin) return pin;
            }
        }
        return null;
    }

    private SessionPin? Pin(ReadOnlySpan<char> text, long nowMs, long timestamp, ref string lookup)
    {
        if (text.Length == 0) return null;
        var current = SessionToken.TryOpen(_key, text, out var token);
        if (!current && (_previousKey is null || !SessionToken.TryOpen(_previousKey, text, out token))) lookup = SessionLookup.Invalid;
        else if ((_absoluteMs > 0 && nowMs - token.IssuedMs >= _absoluteMs) || (_idleMs > 0 && nowMs - token.SeenMs > _idleMs)) lookup = SessionLookup.Expired;
        else if (!(current ? _byId : _byPreviousId).TryGetValue(token.Endpoint, out var target) || !EndpointFilter.Usable(target.Endpoint, timestamp, null)) lookup = SessionLookup.Unavailable;
        else
        {
            lookup = SessionLookup.Pinned;
            if (current) return new SessionPin(target.Backend, target.Endpoint, token, text.ToString());
            // Sealed with the previous key: the same session, named by the current key's endpoint id, to be sealed anew.
            return new SessionPin(target.Backend, target.Endpoint, token with { Endpoint = _ids[target.Backend][target.Endpoint] }, null);
        }
        return null;
    }

    /// <summary>
    /// Marks the response of an attempt on <paramref name="endpoint"/> with the token naming it: the session the request
    /// carried when it is that endpoint's (refreshed when idleTimeout is set and at least a second, or a quarter of it,
    /// went by), else a new one. A cookie is set only when its value changes; a header is always answered. Called
    /// before forwarding, once per attempt: a retry's token replaces the one before.
    /// </summary>
    /// <param name="cookiePath">The cookie's Path (<see cref="Routing.PathMatcher.CookiePath"/> of the match the request took).</param>
    /// <param name="secure">An HTTPS listener: the cookie is Secure.</param>
    public void Stamp(HttpContext context, Backend backend, EndpointState endpoint, SessionPin? pin, string cookiePath, bool secure, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var headers = context.Response.Headers;
        string? text = null;
        SessionToken token;
        if (pin is { } p && ReferenceEquals(p.Endpoint, endpoint) && ReferenceEquals(p.Backend, backend))
        {
            token = p.Token;
            if (_idleMs > 0 && nowMs - token.SeenMs >= _refreshMs) token = token with { SeenMs = nowMs };
            else text = p.Text; // null when the previous key sealed it: sealed anew below
        }
        else
        {
            if (!_ids.TryGetValue(backend, out var ids) || !ids.TryGetValue(endpoint, out var id)) return; // not one of the rule's backends: cannot happen
            token = new SessionToken(id, nowMs, nowMs);
        }
        if (Carrier == SessionCarrier.Header)
        {
            headers[Name] = text ?? token.Seal(_key);
            return;
        }
        RemoveCookie(headers);
        if (text is not null) return; // the client holds this very token
        headers.Append(HeaderNames.SetCookie, Cookie(token.Seal(_key), token, cookiePath, secure, nowMs));
    }

    /// <summary><c>NAME=TOKEN; Path=P[; Max-Age=S; Expires=D]; HttpOnly; SameSite=Lax[; Secure]</c>.</summary>
    private string Cookie(string value, SessionToken token, string path, bool secure, long nowMs)
    {
        var lifetime = "";
        if (Permanent)
        {
            var expiresMs = token.IssuedMs + _absoluteMs;
            var maxAge = Math.Max(0, (expiresMs - nowMs + 999) / 1000);
            lifetime = $"; Max-Age={maxAge.ToString(CultureInfo.InvariantCulture)}; Expires={DateTimeOffset.FromUnixTimeMilliseconds(expiresMs).ToString("r", CultureInfo.InvariantCulture)}";
        }
        return $"{Name}={value}; Path={path}{lifetime}; HttpOnly; SameSite=Lax{(secure ? "; Secure" : "")}";
    }

    /// <summary>Drops a Set-Cookie for this session an earlier attempt of the request stamped.</summary>
    private void RemoveCookie(IHeaderDictionary headers)
    {
        var cookies = headers.SetCookie;
        if (cookies.Count == 0) return;
        var kept = cookies.Where(c => c is null || !(c.Length > Name.Length && c[Name.Length] == '=' && c.StartsWith(Name, StringComparison.Ordinal))).ToArray();
        if (kept.Length != cookies.Count) headers.SetCookie = new StringValues(kept);
    }
}
