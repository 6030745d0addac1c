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
}
