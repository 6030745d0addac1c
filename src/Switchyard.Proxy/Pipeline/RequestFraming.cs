using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Switchyard.Proxy.Pipeline;

/// <summary>
/// What the gateway refuses to forward before routing, from the request's framing and method:
/// <list type="bullet">
/// <item>Content-Length with Transfer-Encoding (request smuggling, RFC 9112 §6.1): 400. Kestrel already rejects
/// duplicate or list-valued Content-Length fields with 400 before the proxy sees them; for Content-Length plus
/// Transfer-Encoding it removes Content-Length, keeps the original value as <c>X-Content-Length</c>, and closes the
/// connection after the response, so that pair is what this check looks for.</item>
/// <item>A transfer coding other than chunked alone ("gzip, chunked", "chunked, chunked"): 501, as RFC 9112 §6.1 has a
/// server answer a coding it does not understand. Kestrel decodes only the chunked framing, so the body would go
/// upstream still gzip-encoded with nothing saying so.</item>
/// <item>CONNECT, and HTTP/2's extended CONNECT for any protocol but WebSocket (RFC 8441): 501. The gateway is a
/// reverse proxy, not a tunnel to an authority the client names.</item>
/// </list>
/// </summary>
internal static class RequestFraming
{
    /// <summary>Where Kestrel keeps the Content-Length it dropped from a request that also had Transfer-Encoding.</summary>
    private const string DroppedContentLength = "X-Content-Length";

    /// <summary>The status and reason when the request is answered here; null when it may be forwarded.</summary>
    public static (int Status, string Reason)? Refusal(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        if (!HttpProtocol.IsHttp11(request.Protocol) && !HttpProtocol.IsHttp10(request.Protocol) && MalformedField(headers) is { } malformed)
            return (StatusCodes.Status400BadRequest, malformed);
        var codings = headers.TransferEncoding;
        if (codings.Count > 0)
        {
            if (request.ContentLength is not null || headers.ContainsKey(DroppedContentLength))
                return (StatusCodes.Status400BadRequest, "listener: request has both Content-Length and Transfer-Encoding (RFC 9112 section 6.1); rejected to prevent request smuggling");
            if (codings.Count > 1 || !codings[0].AsSpan().Trim(" \t").Equals("chunked", StringComparison.OrdinalIgnoreCase))
                return (StatusCodes.Status501NotImplemented, $"listener: request Transfer-Encoding '{codings}' is not supported: only chunked, alone");
        }
        if (HttpMethods.IsConnect(request.Method))
        {
            if (context.Features.Get<IHttpExtendedConnectFeature>() is not { IsExtendedConnect: true } extended)
                return (StatusCodes.Status501NotImplemented, "listener: CONNECT is not supported: the gateway is a reverse proxy, not a tunnel");
            if (!string.Equals(extended.Protocol, "websocket", StringComparison.OrdinalIgnoreCase))
                return (StatusCodes.Status501NotImplemented, $"listener: extended CONNECT for '{extended.Protocol}' is not supported: only websocket (RFC 8441)");
        }
        return null;
    }

    /// <summary>RFC 9110 §5.6.2's tchar: what a field name is made of.</summary>
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>
    /// Why an HTTP/2 or HTTP/3 request's fields make it malformed; null when they do not. Kestrel refuses upper case
    /// and control characters in these names, but lets through names with a colon, a space or other separators
    /// (<c>transfer-encoding :</c>, <c>x-forwarded-for:1.2.3.4</c>), and HTTP/1.1's connection-specific fields. Written
    /// into an HTTP/1.1 request upstream, those would be fields the upstream reads differently from the proxy: request
    /// smuggling, or forged fields the proxy owns (RFC 9113 §8.2.1 and §8.2.2 make such a request malformed).
    /// </summary>
    private static string? MalformedField(IHeaderDictionary headers)
    {
        foreach (var (name, _) in headers)
        {
            if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(TokenChars))
                return $"listener: request field name '{name}' is malformed (RFC 9113 section 8.2.1)";
            if (IsConnectionSpecific(name))
                return $"listener: request field '{name}' is connection-specific, not allowed in HTTP/2 (RFC 9113 section 8.2.2)";
        }
        return null;
    }

    private static bool IsConnectionSpecific(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase);
}
