using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.ProxyProtocol;

/// <summary>
/// Writes the PROXY protocol header the gateway sends first on a new connection to an endpoint of a Service that
/// asks for one: the client's address as the source, the address the client reached the gateway at as the
/// destination. Addresses of both families in one header are written as IPv6 (IPv4-mapped), since a header has one
/// family; IPv4-mapped IPv6 addresses on both sides are written as IPv4. Unknown addresses give v1
/// <c>PROXY UNKNOWN</c> or a v2 LOCAL header (the endpoint then uses the connection's own addresses).
/// </summary>
internal static class ProxyHeaderWriter
{
    /// <summary>
    /// The header an active health check sends on its own connection to an endpoint, relaying no client. v2: the LOCAL
    /// command, which the specification reserves for "health-checks" from the proxy itself (the receiver keeps the
    /// connection's real addresses); HAProxy's <c>check-send-proxy</c> and Envoy's health checks send it too. v1 has
    /// no LOCAL command: a TCP4/TCP6 line naming the check connection's own addresses, <paramref name="local"/> (the
    /// gateway's end) as the source and <paramref name="remote"/> (the endpoint) as the destination, as HAProxy and
    /// Envoy do; <c>PROXY UNKNOWN</c> only when those are not IP addresses.
    /// </summary>
    public static byte[] HealthCheck(ProxyProtocolVersion version, IPEndPoint? local, IPEndPoint? remote) => version switch
    {
        ProxyProtocolVersion.V1 => V1(local, remote),
        ProxyProtocolVersion.V2 => V2Local(),
        _ => [],
    };

    public static byte[] Write(ProxyProtocolVersion version, IPEndPoint? source, IPEndPoint? destination) => version switch
    {
        ProxyProtocolVersion.V1 => V1(source, destination),
        ProxyProtocolVersion.V2 => V2(source, destination),
        _ => [],
    };

    private static byte[] V1(IPEndPoint? source, IPEndPoint? destination)
    {
        if (!Pair(source, destination, out var src, out var dst)) return "PROXY UNKNOWN\r\n"u8.ToArray();
        var family = src.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6";
        return Encoding.ASCII.GetBytes($"PROXY {family} {src} {dst} {source!.Port} {destination!.Port}\r\n");
    }

    private static byte[] V2(IPEndPoint? source, IPEndPoint? destination)
    {
        if (!Pair(source, destination, out var src, out var dst)) return V2Local();
        var size = src.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        var length = 2 * size + 4;
        var header = new byte[ProxyHeaderReader.V2FixedLength + length];
        ProxyHeaderReader.V2Signature.CopyTo(header);
        header[12] = 0x21; // version 2, PROXY
        header[13] = (byte)((size == 4 ? 0x10 : 0x20) | 0x01); // AF_INET or AF_INET6, STREAM
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)length);
        var body = header.AsSpan(ProxyHeaderReader.V2FixedLength);
        src.TryWriteBytes(body, out _);
        dst.TryWriteBytes(body[size..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(body[(2 * size)..], (ushort)source!.Port);
        BinaryPrimitives.WriteUInt16BigEndian(body[(2 * size + 2)..], (ushort)destination!.Port);
        return header;
    }

    private static byte[] V2Local()
    {
        var local = new byte[ProxyHeaderReader.V2FixedLength];
        ProxyHeaderReader.V2Signature.CopyTo(local);
        local[12] = 0x20; // version 2, LOCAL
        local[13] = 0x00; // AF_UNSPEC, UNSPEC; length 0
        return local;
    }

    /// <summary>The two addresses in one family: IPv4 when both are (or map to) IPv4, else both IPv6.</summary>
    private static bool Pair(IPEndPoint? source, IPEndPoint? destination, out IPAddress src, out IPAddress dst)
    {
        src = dst = IPAddress.None;
        if (source is null || destination is null) return false;
        if (source.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || destination.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        src = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
        dst = destination.Address.IsIPv4MappedToIPv6 ? destination.Address.MapToIPv4() : destination.Address;
        if (src.AddressFamily != dst.AddressFamily)
        {
            src = src.MapToIPv6();
            dst = dst.MapToIPv6();
        }
        // Scope ids have no place in the header.
        if (src.AddressFamily == AddressFamily.InterNetworkV6)
        {
            src = new IPAddress(src.GetAddressBytes());
            dst = new IPAddress(dst.GetAddressBytes());
        }
        return true;
    }
}
