using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Runtime.Network;

/// <summary>An IPv4 CIDR block; usable addresses exclude the network and broadcast addresses.</summary>
public sealed record Ipv4Range(uint Network, int PrefixLength)
{
    public uint Broadcast => PrefixLength == 32 ? Network : Network | (uint.MaxValue >> PrefixLength);

    /// <summary>First usable address (network + 1, or the address itself for /31 and /32).</summary>
    public uint First => PrefixLength >= 31 ? Network : Network + 1;

    public uint Last => PrefixLength >= 31 ? Broadcast : Broadcast - 1;

    public long UsableCount => (long)Last - First + 1;

    public bool Contains(uint address) => address >= Network && address <= Broadcast;

    public static bool TryParse(string text, out Ipv4Range? range, out string? error)
    {
        range = null;
        error = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text[(slash + 1)..], out var prefix) || prefix is < 0 or > 32)
        {
            error = $"\"{text}\" is not an IPv4 CIDR (e.g. 127.64.0.0/12)";
            return false;
        }
        var value = ToUInt(ip);
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        if ((value & mask) != value)
        {
            error = $"\"{text}\" has host bits set; the network is {ToAddress(value & mask)}/{prefix}";
            return false;
        }
        range = new Ipv4Range(value, prefix);
        return true;
    }

    public static uint ToUInt(IPAddress ip) => BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());

    public static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{ToAddress(Network)}/{PrefixLength}";
}
