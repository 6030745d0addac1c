using Switchyard.Proxy.Backends;
using Switchyard.Proxy.ExternalAuth;
using Switchyard.Proxy.Filters;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Resilience;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Routing;

/// <summary>
/// What a matched request does: the filters to run, then either a redirect or a weighted backend choice with the
/// rule's timeouts and retry policy. Compiled once per snapshot, shared by every request that matches.
/// </summary>
internal sealed class RouteRule
{
    /// <summary>"httproute default/shop rule 0", "ingress default/web", named in errors, logs and metrics.</summary>
    public required string Name { get; init; }

    public IReadOnlyList<IRequestFilter> RequestFilters { get; init; } = [];

    public HeaderEdits? ResponseEdits { get; init; }

    /// <summary>When set the request is answered with a redirect and never forwarded.</summary>
    public RedirectFilter? Redirect { get; init; }

    public required BackendGroup Backends { get; init; }

    /// <summary>RequestMirror filters: backends that get a copy of the request; their answers are ignored.</summary>
    public IReadOnlyList<RequestMirror> Mirrors { get; init; } = [];

    /// <summary>Whole-request deadline (HTTPRoute timeouts.request); null = none.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>Per-attempt deadline (timeouts.backendRequest); null = none.</summary>
    public TimeSpan? BackendTimeout { get; init; }

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>Rate limit and fault injection from an HTTPTrafficFilter; null when the rule names none.</summary>
    public RuleTraffic? Traffic { get; init; }

    /// <summary>The rule's ExternalAuth filters, asked in order before its other filters; null (no work per request) when it has none.</summary>
    public ExternalAuthFilter[]? ExternalAuth { get; init; }

    /// <summary>The rule's sessionPersistence; null (no work per request) when it has none.</summary>
    public Sessions.SessionPersistenceConfig? Session { get; init; }

    /// <summary>The rule's CORS filter; null (no work per request) when it has none.</summary>
    public CorsPolicy? Cors { get; init; }

    /// <summary>
    /// The request counters this rule last counted into (its name and a backend's): a cache of
    /// <see cref="ProxyMetrics.For"/>, so a request counts itself without hashing both names. Written by requests, racing
    /// harmlessly: any value a request reads names the counters of its own pair, or is not used.
    /// </summary>
    public ProxyMetrics.RouteBackend? Metrics { get; set; }
}

/// <summary>One match of a rule: all of path, method, headers and query parameters must hold.</summary>
internal sealed class RouteEntry
{
    public required PathMatcher Path { get; init; }
    public string? Method { get; init; }
    public ValueMatcher[] Headers { get; init; } = [];
    public ValueMatcher[] Query { get; init; } = [];
    public required RouteRule Rule { get; init; }

    /// <summary>
    /// The client certificate validation of the listener this entry was attached through; null when that listener
    /// validates none. The router may reach an entry from another listener's host (a hostname's routes, then the
    /// wildcards', then those for any host), so the entry itself says which connections may use it.
    /// </summary>
    public ClientCertificateValidation? ClientValidation { get; init; }

    /// <summary>This entry as attached through a listener validating client certificates with <paramref name="validation"/>.</summary>
    public RouteEntry ValidatedBy(ClientCertificateValidation validation) =>
        new() { Path = Path, Method = Method, Headers = Headers, Query = Query, Rule = Rule, ClientValidation = validation };

    /// <param name="method">The method to match: the request's, or the one a CORS preflight asks about.</param>
    public bool Matches(Microsoft.AspNetCore.Http.HttpRequest request, string method, string path)
    {
        if (Method is not null && !string.Equals(method, Method, StringComparison.Ordinal)) return false;
        if (!Path.Matches(path)) return false;
        foreach (var h in Headers) if (!h.MatchesHeader(request)) return false;
        foreach (var q in Query) if (!q.MatchesQuery(request)) return false;
        return true;
    }
}

/// <summary>Entries in precedence order; the first that matches wins.</summary>
internal sealed class RouteTable(RouteEntry[] entries)
{
    public IReadOnlyList<RouteEntry> Entries => entries;

    /// <param name="method">The method to match instead of the request's (a CORS preflight's Access-Control-Request-Method); null: the request's.</param>
    public RouteEntry? Match(Microsoft.AspNetCore.Http.HttpRequest request, string path, string? method = null)
    {
        method ??= request.Method;
        foreach (var e in entries) if (e.Matches(request, method, path)) return e;
        return null;
    }
}
