using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Dns.Zone;

/// <summary>An IP address as one 128-bit number (IPv4 in its IPv4-mapped IPv6 form), comparable without allocation.</summary>
internal static class AddressKey
{
    private static readonly UInt128 MappedPrefix = (UInt128)0xFFFF << 32;

    public static UInt128 From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>The peer address in a socket address (sockaddr_in / sockaddr_in6 layout), or 0 when unknown.</summary>
    public static UInt128 From(SocketAddress address)
    {
        var buffer = address.Buffer.Span;
        if (address.Family == AddressFamily.InterNetwork && address.Size >= 8)
            return MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(buffer[4..8]);
        if (address.Family == AddressFamily.InterNetworkV6 && address.Size >= 24)
            return BinaryPrimitives.ReadUInt128BigEndian(buffer[8..24]);
        return 0;
    }

    /// <summary>The peer address in a Linux native <c>sockaddr</c> (family in host order at offset 0), or 0 when unknown.</summary>
    public static UInt128 FromLinuxSockaddr(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 2) return 0;
        var family = BitConverter.ToUInt16(sockaddr);
        if (family == LinuxInet && sockaddr.Length >= 8)
            return MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..8]);
        if (family == LinuxInet6 && sockaddr.Length >= 24)
            return BinaryPrimitives.ReadUInt128BigEndian(sockaddr[8..24]);
        return 0;
    }

    public const ushort LinuxInet = 2;
    public const ushort LinuxInet6 = 10;
}
