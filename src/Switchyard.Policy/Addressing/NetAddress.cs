using System.Net;
using System.Net.Sockets;

namespace Switchyard.Policy.Addressing;

/// <summary>
/// An IPv4 or IPv6 address as a 128-bit number, so that CIDR tests on the hot path are two integer
/// operations. IPv4 addresses keep their 32-bit value and a family flag; they never match IPv6 blocks.
/// </summary>
public readonly record struct NetAddress(UInt128 Value, bool IsV6)
{
    public int Bits => IsV6 ? 128 : 32;

    public static NetAddress From(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 value = 0;
        for (var i = 0; i < written; i++) value = (value << 8) | bytes[i];
        return new NetAddress(value, address.AddressFamily == AddressFamily.InterNetworkV6);
    }

    public static bool TryParse(string? text, out NetAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var ip)) return false;
        address = From(ip);
        return true;
    }

    public IPAddress ToIPAddress()
    {
        var bytes = new byte[IsV6 ? 16 : 4];
        var v = Value;
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(v & 0xff);
            v >>= 8;
        }
        return new IPAddress(bytes);
    }

    public override string ToString() => ToIPAddress().ToString();
}
