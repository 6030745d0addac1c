using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Switchyard.Model.Gateway;

namespace Switchyard.Proxy.Filters;

/// <summary>
/// Filter layer, first step of a rule with a CORS filter (Gateway API HTTPCORSFilter), before its other filters,
/// its redirect and its traffic filter. A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
/// answered here, 200 with no body, and never forwarded: with the Access-Control-* headers when the origin is
/// allowed, without them when it is not. Any other request goes on; when its origin is allowed the answer it gets
/// (the backend's, a redirect, or the proxy's own error) carries Access-Control-Allow-Origin, -Allow-Credentials and
/// -Expose-Headers, set just before the response starts. With allowCredentials no header is ever <c>*</c>: the
/// request's origin, method and headers are echoed, and an exposeHeaders <c>*</c> lists the response's own header
/// names. Every answer whose headers depend on the origin carries Vary: Origin, answers to other origins and to
/// requests without one included, so that a shared cache never serves one origin's answer to another.
/// </summary>
internal sealed class CorsPolicy
{
    private readonly string? _allowMethods;
    private readonly bool _anyMethod;
    private readonly string? _allowHeaders;
    private readonly bool _anyHeader;
    private readonly string? _exposeHeaders;
    private readonly string[] _exposeNames;
    private readonly bool _exposeAll;
    private readonly string _maxAge;

    private CorsPolicy(HTTPCORSFilter filter)
    {
        Origins = CorsOrigins.From(filter.AllowOrigins);
        Credentials = filter.AllowCredentials == true;
        (_anyMethod, _allowMethods) = List(filter.AllowMethods);
        (_anyHeader, _allowHeaders) = List(filter.AllowHeaders);
        var expose = filter.ExposeHeaders ?? [];
        _exposeAll = expose.Contains("*");
        _exposeNames = [.. expose.Where(n => n != "*").Distinct(StringComparer.OrdinalIgnoreCase)];
        _exposeHeaders = _exposeNames.Length > 0 ? string.Join(", ", _exposeNames) : null;
        _maxAge = (filter.MaxAge ?? 5).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A validated filter (the compiler checks it with the model's rules first).</summary>
    public static CorsPolicy From(HTTPCORSFilter filter) => new(filter);

    public CorsOrigins Origins { get; }

    public bool Credentials { get; }

    /// <summary>Every request gets the same answer: allowOrigins <c>*</c> without credentials (Access-Control-Allow-Origin: *).</summary>
    private bool SameForEveryOrigin => Origins.AllowsAny && !Credentials;

    /// <summary>A CORS preflight: OPTIONS with an Origin and an Access-Control-Request-Method.</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.Origin.Count > 0 && request.Headers.AccessControlRequestMethod.Count > 0;

    /// <summary>
    /// Answers a preflight (true: the request is done) or arranges the CORS headers of the answer to any other
    /// request (false: it goes on through the rule).
    /// </summary>
    public bool Handle(HttpContext context)
    {
        var request = context.Request;
        var origin = AllowedOrigin(request.Headers.Origin);
        if (IsPreflight(request))
        {
            AnswerPreflight(context, origin);
            return true;
        }
        var response = context.Response;
        if (origin is not null || SameForEveryOrigin) response.OnStarting(static state => ((CorsResponse)state).Apply(), new CorsResponse(this, response, origin));
        else response.OnStarting(static state => AddVaryOrigin((HttpResponse)state), response);
        return false;
    }

    /// <summary>The request's Origin when it is a single value this policy allows, else null.</summary>
    private string? AllowedOrigin(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count != 1 || values[0] is not { } origin) return null;
        // Echoed into a response header: visible ASCII only (an allowed origin always is; "*" allows anything).
        if (origin.AsSpan().ContainsAnyExceptInRange('!', '~')) return null;
        return Origins.Allows(origin) ? origin : null;
    }

    /// <summary>Access-Control-Allow-Origin for an allowed <paramref name="origin"/> (null on a request without one, when every origin gets <c>*</c>).</summary>
    private string AllowOriginValue(string? origin) => SameForEveryOrigin ? "*" : origin!;

    private void AnswerPreflight(HttpContext context, string? origin)
    {
        var response = context.Response;
        var headers = response.Headers;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = 0;
        var vary = SameForEveryOrigin ? null : "Origin";
        if (origin is null)
        {
            if (vary is not null) headers.Vary = vary;
            return;
        }
        var request = context.Request.Headers;
        headers.AccessControlAllowOrigin = AllowOriginValue(origin);
        if (Credentials) headers.AccessControlAllowCredentials = "true";
        if (_anyMethod)
        {
            // "*" covers every method only without credentials; with them the method asked about is echoed.
            if (!Credentials) headers.AccessControlAllowMethods = "*";
            else if (TokenList(request.AccessControlRequestMethod, single: true) is { } method)
            {
                headers.AccessControlAllowMethods = method;
                vary = Join(vary, "Access-Control-Request-Method");
            }
        }
        else if (_allowMethods is not null) headers.AccessControlAllowMethods = _allowMethods;
        if (_anyHeader)
        {
            // The headers asked about are echoed: a "*" never covers Authorization (Fetch), nor anything with credentials.
            if (TokenList(request.AccessControlRequestHeaders, single: false) is { } asked)
            {
                headers.AccessControlAllowHeaders = asked;
                vary = Join(vary, "Access-Control-Request-Headers");
            }
            else if (!Credentials) headers.AccessControlAllowHeaders = "*";
        }
        else if (_allowHeaders is not null) headers.AccessControlAllowHeaders = _allowHeaders;
        if (_exposeAll && !Credentials) headers.AccessControlExposeHeaders = "*";
        else if (_exposeHeaders is not null) headers.AccessControlExposeHeaders = _exposeHeaders;
        headers.AccessControlMaxAge = _maxAge;
        if (vary is not null) headers.Vary = vary;
    }

    /// <summary>The CORS headers of the answer to an actual request from an allowed origin, set when it starts.</summary>
    private sealed class CorsResponse(CorsPolicy policy, HttpResponse response, string? origin)
    {
        public Task Apply()
        {
            var headers = response.Headers;
            headers.AccessControlAllowOrigin = policy.AllowOriginValue(origin);
            if (policy.Credentials) headers.AccessControlAllowCredentials = "true";
            var expose = !policy._exposeAll ? policy._exposeHeaders : policy.Credentials ? ExposedNames(headers, policy._exposeNames) : "*";
            if (!string.IsNullOrEmpty(expose)) headers.AccessControlExposeHeaders = expose;
            if (!policy.SameForEveryOrigin) AddVary(headers);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// An exposeHeaders <c>*</c> with credentials, where the literal <c>*</c> would name no header: the answer's own
    /// header names, less those scripts can always read (safelisted) or never (Set-Cookie) and the CORS headers
    /// themselves, and the names the filter lists besides <c>*</c>.
    /// </summary>
    private static string ExposedNames(IHeaderDictionary headers, string[] listed)
    {
        var names = new List<string>(headers.Count + listed.Length);
        foreach (var (name, _) in headers)
        {
            if (NeverExposed.Contains(name) || name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)) continue;
            names.Add(name);
        }
        foreach (var name in listed) if (!names.Contains(name, StringComparer.OrdinalIgnoreCase)) names.Add(name);
        return string.Join(", ", names);
    }

    /// <summary>Response headers that need no exposing: the CORS-safelisted ones, the forbidden Set-Cookie ones, and Vary.</summary>
    private static readonly HashSet<string> NeverExposed = new(StringComparer.OrdinalIgnoreCase)
    {
        "Cache-Control", "Content-Language", "Content-Length", "Content-Type", "Expires", "Last-Modified", "Pragma", "Set-Cookie", "Set-Cookie2", "Vary",
    };

    private static Task AddVaryOrigin(HttpResponse response)
    {
        AddVary(response.Headers);
        return Task.CompletedTask;
    }

    /// <summary>Adds Origin to the answer's Vary unless a Vary field of it already lists Origin or <c>*</c>.</summary>
    private static void AddVary(IHeaderDictionary headers)
    {
        foreach (var value in headers.Vary)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan()[range].Trim();
                if (token.Equals("Origin", StringComparison.OrdinalIgnoreCase) || token.SequenceEqual("*")) return;
            }
        }
        headers.Append(HeaderNames.Vary, "Origin");
    }

    private static string? Join(string? list, string item) => list is null ? item : $"{list}, {item}";

    /// <summary>The value of a request header to echo: a method token (<paramref name="single"/>) or a comma-separated token list; null when absent or not that.</summary>
    private static string? TokenList(Microsoft.Extensions.Primitives.StringValues values, bool single)
    {
        if (values.Count == 0) return null;
        var value = values.Count == 1 ? values[0]! : string.Join(", ", values.ToArray());
        var span = value.AsSpan().Trim();
        if (span.IsEmpty) return null;
        if (single) return span.ContainsAnyExcept(TokenChars) ? null : span.ToString();
        return span.ContainsAnyExcept(TokenListChars) || span.IndexOfAnyExcept(", \t") < 0 ? null : span.ToString();
    }

    private static readonly SearchValues<char> TokenChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    private static readonly SearchValues<char> TokenListChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz, \t");

    /// <summary>(has <c>*</c>, the names joined for a header), the joined names null when there are none.</summary>
    private static (bool Any, string? Joined) List(IList<string>? values) =>
        values is null || values.Count == 0 ? (false, null) : values.Contains("*") ? (true, null) : (false, string.Join(", ", values));
}
