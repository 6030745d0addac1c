using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Switchyard.Proxy.Backends;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// Maps a downstream request onto an <see cref="HttpRequestMessage"/> for SocketsHttpHandler (the HTTP/2 upstream
/// path and request mirroring): the request target after rewrites, every header except hop-by-hop ones (<c>TE:
/// trailers</c> is kept for gRPC), the upstream Host, and the protocol version asked for exactly.
/// </summary>
internal static class UpstreamMessage
{
    /// <summary>
    /// Whether the request carries a body. HTTP/1.x says so in its head (RFC 9112 §6.3: Content-Length or
    /// Transfer-Encoding), read without the feature lookup Kestrel's body detection costs on every request; HTTP/2 and
    /// HTTP/3 by the stream, which that feature reports.
    /// </summary>
    public static bool HasBody(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is { } length) return length > 0;
        var protocol = request.Protocol;
        if (HttpProtocol.IsHttp11(protocol) || HttpProtocol.IsHttp10(protocol)) return request.Headers.TransferEncoding.Count > 0;
        return context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
    }

    /// <summary>
    /// Path and query as they go upstream: the raw target (as the client sent it, or as URLRewrite set it) when it is
    /// origin-form without dot segments; otherwise the path the request was routed by, which Kestrel decoded and rid of
    /// its dot segments (<c>/x/../api</c> is routed and sent as <c>/api</c>), so the backend is asked for what the
    /// route matched.
    /// </summary>
    public static string Target(HttpContext context) => Target(context.Request, context.Features.Get<IHttpRequestFeature>()?.RawTarget);

    /// <summary><see cref="Target(HttpContext)"/> from the request's <paramref name="rawTarget"/>, read already.</summary>
    public static string Target(HttpRequest request, string? rawTarget) =>
        string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/' || HasDotSegments(rawTarget)
            ? request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent() // as routed, percent-encoded again
            : rawTarget;

    /// <summary>
    /// Whether the path of an origin-form target may hold a "." or ".." segment (RFC 3986 §5.2.4), plainly or
    /// percent-encoded: a segment starting with a dot, or an encoded dot anywhere. Some paths that have none (<c>/.well-known/</c>)
    /// say yes too; they are then sent as routed, which is the same path.
    /// </summary>
    private static bool HasDotSegments(string target)
    {
        var path = target.AsSpan();
        if (path.IndexOf('?') is var query and >= 0) path = path[..query];
        if (path.Contains("/.", StringComparison.Ordinal)) return true;
        // A case-insensitive search is a scalar loop here (invariant globalization): it runs only past a '%'.
        return path.IndexOf('%') is var percent and >= 0 && path[percent..].Contains("%2e", StringComparison.OrdinalIgnoreCase);
    }

    public static HttpRequestMessage Create(HttpContext context, IPEndPoint endpoint, string? upstreamHost, UpstreamProtocol protocol, HttpContent? content)
    {
        var request = context.Request;
        var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri($"http://{endpoint}{Target(context)}"))
        {
            Version = protocol == UpstreamProtocol.H2c ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        if (content is not null && request.ContentLength is { } length) content.Headers.ContentLength = length;
        foreach (var (name, values) in request.Headers) // the fields the client's Connection named are gone (consumed on arrival)
        {
            if (name.StartsWith(':') || name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
                || name.Equals(HeaderNames.Expect, StringComparison.OrdinalIgnoreCase)) continue;
            if (HopByHop.Is(name))
            {
                if (name.Equals(HeaderNames.TE, StringComparison.OrdinalIgnoreCase) && values.ToString().Equals("trailers", StringComparison.OrdinalIgnoreCase))
                    message.Headers.TryAddWithoutValidation(name, "trailers");
                continue;
            }
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values)) content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        message.Headers.Host = upstreamHost ?? request.Host.Value;
        return message;
    }

    /// <summary>A SocketsHttpHandler for proxying: no proxy, cookies, redirects, decompression or trace propagation.</summary>
    public static SocketsHttpHandler Handler(TimeSpan connectTimeout) => new()
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = null,
        ConnectTimeout = connectTimeout,
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
    };
}
