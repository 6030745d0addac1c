using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// What the authorization service's answer does: a 200 puts its allowed headers on the request to the backend; any
/// other answer goes to the client as it came (status, headers, body) instead of the backend's.
/// </summary>
internal static class AuthAnswer
{
    /// <summary>
    /// Copies the headers of an allowing answer onto the upstream request, each replacing the client's values. With
    /// allowedResponseHeaders, the headers named there belong to the service: the client's are removed even when the
    /// answer does not carry them, so no backend mistakes a client's header for the service's.
    /// </summary>
    public static void CopyAllowed(IHeaderDictionary request, HttpResponseMessage answer, ExternalAuthFilter filter)
    {
        if (filter.AllowedResponseHeaders is { } named)
        {
            foreach (var name in named)
            {
                request.Remove(name);
                if (answer.Headers.NonValidated.TryGetValues(name, out var values) || answer.Content.Headers.NonValidated.TryGetValues(name, out values))
                    request[name] = ToStringValues(values);
            }
            return;
        }
        var connection = answer.Headers.Connection;
        CopyAll(answer.Headers, request, connection);
        CopyAll(answer.Content.Headers, request, connection);
    }

    private static void CopyAll(HttpHeaders from, IHeaderDictionary to, HttpHeaderValueCollection<string> connection)
    {
        foreach (var (name, values) in from.NonValidated)
        {
            if (ExternalAuthFilter.NeverCopied.Contains(name) || connection.Contains(name)) continue;
            to[name] = ToStringValues(values);
        }
    }

    private static StringValues ToStringValues(HeaderStringValues values) => values.Count == 1 ? new StringValues(values.ToString()) : new StringValues([.. values]);

    /// <summary>Starts the client's answer with the denying answer's status and headers (less hop-by-hop and framing ones).</summary>
    public static void StartDenial(HttpContext context, HttpResponseMessage answer)
    {
        var response = context.Response;
        response.Headers.Clear();
        response.StatusCode = (int)answer.StatusCode;
        var connection = answer.Headers.Connection;
        CopyToClient(answer.Headers, response.Headers, connection);
        CopyToClient(answer.Content.Headers, response.Headers, connection);
        if (answer.Content.Headers.ContentLength is { } length) response.ContentLength = length;
    }

    private static void CopyToClient(HttpHeaders from, IHeaderDictionary to, HttpHeaderValueCollection<string> connection)
    {
        foreach (var (name, values) in from.NonValidated)
        {
            // Content-Length is set once, through HttpResponse.ContentLength.
            if (HopByHop.Is(name) || connection.Contains(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values) to.Append(name, value);
        }
    }
}
