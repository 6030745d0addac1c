using System.Net;
using System.Text;
using System.Text.Unicode;
using Envoy.Config.Core.V3;
using Envoy.Service.Auth.V3;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// The CheckRequest (Envoy's ext_authz gRPC API) for one client request: its attribute context's request.http holds
/// the client's method, target (path and query exactly as received), Host, scheme, protocol, a request id and the
/// headers (lower-case names, several values joined): all of them as the backend would get them, or only those named
/// in grpc.allowedHeaders. With forwardBody the first maxSize bytes go as raw_body (and as body when they are UTF-8),
/// with <c>x-envoy-auth-partial-body</c> among the headers as Envoy sends it. Source and destination are the client's
/// and the listener's addresses.
/// </summary>
internal static class GrpcAuthRequest
{
    /// <summary>Envoy's header with forwarded bodies: "true" when the body sent is the first maxSize bytes of a longer one.</summary>
    public const string PartialBodyHeader = "x-envoy-auth-partial-body";

    /// <param name="body">The bytes of the body read so far (up to one more than the largest maxSize of the rule's filters).</param>
    /// <param name="client">The client's address for X-Forwarded-For; null when unknown.</param>
    /// <param name="scheme">The listener's scheme (X-Forwarded-Proto and the scheme attribute).</param>
    public static CheckRequest Create(HttpContext context, ExternalAuthFilter filter, ReadOnlyMemory<byte> body, string? client, string scheme, DateTimeOffset now)
    {
        var request = context.Request;
        var http = new AttributeContext.Types.HttpRequest
        {
            Id = context.TraceIdentifier,
            Method = request.Method,
            Path = UpstreamMessage.Target(context),
            Host = request.Host.Value ?? "",
            Scheme = scheme,
            Protocol = request.Protocol,
            Size = request.ContentLength ?? (UpstreamMessage.HasBody(context) ? -1 : 0),
        };
        AddHeaders(http.Headers, request.Headers, filter, client, scheme);
        if (filter.MaxBody > 0)
        {
            var sent = body.Length > filter.MaxBody ? body[..filter.MaxBody] : body;
            http.RawBody = ByteString.CopyFrom(sent.Span);
            if (Utf8.IsValid(sent.Span)) http.Body = Encoding.UTF8.GetString(sent.Span);
            http.Headers[PartialBodyHeader] = body.Length > filter.MaxBody ? "true" : "false";
        }
        var connection = context.Connection;
        return new CheckRequest
        {
            Attributes = new AttributeContext
            {
                Source = Peer(connection.RemoteIpAddress, connection.RemotePort),
                Destination = Peer(connection.LocalIpAddress, connection.LocalPort),
                Request = new AttributeContext.Types.Request { Time = Timestamp.FromDateTimeOffset(now), Http = http },
            },
        };
    }

    /// <summary>
    /// The client's headers (all, or those named), less the ones the request carries in fields of its own (Host),
    /// hop-by-hop ones and the proxy's own; then X-Forwarded-For (the client's address appended), X-Forwarded-Proto
    /// and X-Forwarded-Host as the backend gets them, when sent.
    /// </summary>
    private static void AddHeaders(MapField<string, string> to, IHeaderDictionary headers, ExternalAuthFilter filter, string? client, string scheme)
    {
        if (filter.SendsAllHeaders)
        {
            foreach (var (name, values) in headers)
            {
                if (!IsSetHere(name) && !HopByHop.Is(name)) to[name.ToLowerInvariant()] = Join(name, values);
            }
        }
        else
        {
            foreach (var name in filter.AllowedRequestHeaders)
            {
                if (!IsSetHere(name) && !HopByHop.Is(name) && headers.TryGetValue(name, out var values)) to[name.ToLowerInvariant()] = Join(name, values);
            }
        }
        if (Sends(filter, "X-Forwarded-For"))
        {
            var forwardedFor = headers["X-Forwarded-For"];
            if (client is not null) to["x-forwarded-for"] = forwardedFor.Count == 0 ? client : forwardedFor.ToString() + ", " + client;
            else if (forwardedFor.Count > 0) to["x-forwarded-for"] = forwardedFor.ToString();
        }
        if (Sends(filter, "X-Forwarded-Proto")) to["x-forwarded-proto"] = scheme;
        if (Sends(filter, "X-Forwarded-Host"))
        {
            var forwardedHost = headers["X-Forwarded-Host"];
            to["x-forwarded-host"] = forwardedHost.Count > 0 ? forwardedHost.ToString() : headers.Host.ToString();
        }
    }

    private static bool Sends(ExternalAuthFilter filter, string name) =>
        filter.SendsAllHeaders || filter.AllowedRequestHeaders.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Several values of a header as one: joined by ", " (Cookie's by "; ", as HTTP/2 joins them).</summary>
    private static string Join(string name, StringValues values) =>
        values.Count == 1 ? values[0] ?? "" : string.Join(name.Equals(HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase) ? "; " : ", ", values.ToArray());

    /// <summary>Host (the host attribute), Expect, the proxy's X-Forwarded-* (added as the backend gets them) and the partial-body flag, and pseudo-headers.</summary>
    private static bool IsSetHere(string name) =>
        name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.Expect, StringComparison.OrdinalIgnoreCase)
        || name.Equals(PartialBodyHeader, StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase)
        || name.Equals("X-Forwarded-Proto", StringComparison.OrdinalIgnoreCase) || name.Equals("X-Forwarded-Host", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith(':');

    private static AttributeContext.Types.Peer? Peer(IPAddress? address, int port) => address is null ? null : new AttributeContext.Types.Peer
    {
        Address = new Address { SocketAddress = new Envoy.Config.Core.V3.SocketAddress { Address = address.ToString(), PortValue = (uint)port } },
    };
}
