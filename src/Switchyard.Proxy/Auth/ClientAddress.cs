using System.Net;
using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// The client's address as authorization sees it: the connection's remote address (an IPv4-mapped IPv6 address as
/// IPv4), which on a Gateway that accepts the PROXY protocol is the header's source address. The one place to change
/// when the address may come from elsewhere (a trusted X-Forwarded-For): every <c>clientCIDRs</c> check asks here.
/// </summary>
internal static class ClientAddress
{
    public static IPAddress? Of(HttpContext context) =>
        context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;
}
