using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// The request to an HTTP authorization service for one client request: the client's method; the filter's path
/// prefix followed by the client's target (path and query exactly as received, before any URLRewrite); Host as the
/// client sent it; Authorization and the filter's allowedHeaders; the X-Forwarded-For/-Proto/-Host the backend
/// would get; and a body of the first forwardBody.maxSize bytes (none: Content-Length 0).
/// </summary>
internal static class AuthRequest
{
    /// <summary>Sent with forwarded bodies: "true" when the body sent is the first maxSize bytes of a longer one.</summary>
    public const string PartialBodyHeader = "x-switchyard-auth-partial-body";

    private static readonly UriCreationOptions Raw = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <param name="body">The bytes of the body read so far (up to one more than the largest maxSize of the rule's filters).</param>
    /// <param name="client">The address appended to X-Forwarded-For: the connection's peer, as for the backend (not a client taken from X-Forwarded-For); null when unknown.</param>
    public static HttpRequestMessage Create(HttpContext context, ExternalAuthFilter filter, IPEndPoint endpoint, bool tls, UpstreamProtocol protocol, ReadOnlyMemory<byte> body, string? client, string scheme)
    {
        var request = context.Request;
        // The target as received, not canonicalized: the service judges the path the backend will be sent.
        var uri = new Uri($"{(tls ? "https" : "http")}://{endpoint}{filter.PathPrefix}{UpstreamMessage.Target(context)}", in Raw);
        var sent = body.Length > filter.MaxBody ? body[..filter.MaxBody] : body;
        var content = new ReadOnlyMemoryContent(sent);
        content.Headers.ContentLength = sent.Length;
        var message = new HttpRequestMessage(new HttpMethod(request.Method), uri)
        {
            Version = protocol == UpstreamProtocol.H2c ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        Copy(message, HeaderNames.Authorization, headers);
        foreach (var name in filter.AllowedRequestHeaders) Copy(message, name, headers);
        var forwardedFor = headers["X-Forwarded-For"];
        if (client is not null) message.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.Count == 0 ? client : forwardedFor.ToString() + ", " + client);
        else if (forwardedFor.Count > 0) message.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor.ToString());
        message.Headers.TryAddWithoutValidation("X-Forwarded-Proto", scheme);
        var forwardedHost = headers["X-Forwarded-Host"];
        message.Headers.TryAddWithoutValidation("X-Forwarded-Host", forwardedHost.Count > 0 ? forwardedHost.ToString() : request.Host.Value);
        if (filter.MaxBody > 0) message.Headers.TryAddWithoutValidation(PartialBodyHeader, body.Length > filter.MaxBody ? "true" : "false");
        message.Headers.Host = request.Host.Value;
        return message;
    }

    /// <summary>
    /// The client's values of header <paramref name="name"/>. Those the request itself carries (Host, Content-Length),
    /// the proxy's (X-Forwarded-*, the partial-body flag) and hop-by-hop ones are never copied.
    /// </summary>
    private static void Copy(HttpRequestMessage message, string name, IHeaderDictionary headers)
    {
        if (IsSetHere(name) || HopByHop.Is(name) || !headers.TryGetValue(name, out var values)) return;
        if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values)) message.Content!.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
    }

    private static bool IsSetHere(string name) =>
        name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
        || name.Equals(HeaderNames.Expect, StringComparison.OrdinalIgnoreCase) || name.Equals(PartialBodyHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-Proto", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-Forwarded-Host", StringComparison.OrdinalIgnoreCase) || name.StartsWith(':');
}
