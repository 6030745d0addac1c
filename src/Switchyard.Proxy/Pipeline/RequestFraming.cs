using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.Pipeline;

/// <summary>
/// Request-smuggling defense (RFC 9112 §6.1, §6.3): a request that carries both Content-Length and
/// Transfer-Encoding is answered 400 and never forwarded. Kestrel already rejects duplicate or list-valued
/// Content-Length fields with 400 before the proxy sees them; for Content-Length plus Transfer-Encoding it
/// removes Content-Length, keeps the original value as <c>X-Content-Length</c>, and closes the connection after the
/// response, so that pair is what this check looks for.
/// </summary>
internal static class RequestFraming
{
    /// <summary>Where Kestrel keeps the Content-Length it dropped from a request that also had Transfer-Encoding.</summary>
    private const string DroppedContentLength = "X-Content-Length";

    /// <summary>The 400 reason when the framing is ambiguous; null when the request may be forwarded.</summary>
    public static string? Conflict(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers.TransferEncoding.Count > 0 && (request.ContentLength is not null || headers.ContainsKey(DroppedContentLength)))
            return "listener: request has both Content-Length and Transfer-Encoding (RFC 9112 section 6.1); rejected to prevent request smuggling";
        return null;
    }
}
