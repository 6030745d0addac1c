using System.Net;
using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// The client's address as authorization sees it: the request's remote address (an IPv4-mapped IPv6 address as
/// IPv4). That is the connection's peer, which on a Gateway that accepts the PROXY protocol is the header's source;
/// on a listener with client IP detection (<c>gateway.switchyard.dev/x-forwarded-for-trusted-cidrs</c> when the peer is
/// trusted, or <c>x-forwarded-for-trusted-hops</c>) it is the client X-Forwarded-For names, set per request by
/// <see cref="ClientIp.ForwardedClient"/>. Every
/// <c>clientCIDRs</c> check asks here.
/// </summary>
internal static class ClientAddress
{
    public static IPAddress? Of(HttpContext context) =>
        context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;
}
