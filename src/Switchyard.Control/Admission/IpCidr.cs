using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Control.Admission;

/// <summary>An IP family as the Kubernetes API spells it in <c>spec.ipFamilies</c> and EndpointSlice <c>addressType</c>.</summary>
public enum IpFamily
{
    IPv4,
    IPv6,
}

/// <summary>Family helpers shared by the allocator and the controllers.</summary>
public static class IpFamilies
{
    public static IpFamily Of(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6 ? IpFamily.IPv6 : IpFamily.IPv4;

    /// <summary>Parses "IPv4" / "IPv6" exactly (the API is case-sensitive).</summary>
    public static IpFamily? Parse(string? value) => value switch
    {
        "IPv4" => IpFamily.IPv4,
        "IPv6" => IpFamily.IPv6,
        _ => null,
    };

    public static string Name(IpFamily family) => family == IpFamily.IPv4 ? "IPv4" : "IPv6";

    /// <summary>
    /// Parses an address the way Kubernetes validation accepts it: dotted quad or IPv6 text, no zone,
    /// no leading zeros ambiguity (the canonical text must round-trip for IPv4).
    /// </summary>
    public static bool TryParseStrict(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text) || text.Contains('%', StringComparison.Ordinal)) return false;
        if (!IPAddress.TryParse(text, out var parsed)) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetwork && parsed.ToString() != text) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetworkV6 && !text.Contains(':', StringComparison.Ordinal)) return false;
        address = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        return true;
    }
}

/// <summary>An IP network: base address and prefix length, with offset arithmetic for allocators.</summary>
internal sealed record IpCidr(IPAddress Network, int PrefixLength)
{
    public IpFamily Family => IpFamilies.Of(Network);

    public int Bits => Family == IpFamily.IPv4 ? 32 : 128;

    public int HostBits => Bits - PrefixLength;

    private UInt128 Base => ToNumber(Network);

    /// <summary>Number of addresses (capped at 2^64 for very large IPv6 ranges).</summary>
    public UInt128 Size => HostBits >= 64 ? (UInt128)ulong.MaxValue + 1 : (UInt128)1 << HostBits;

    public static bool TryParse(string? text, out IpCidr cidr, out string why)
    {
        cidr = null!;
        why = "must be a valid CIDR value, e.g. 10.0.0.0/16 or fd00::/112";
        if (string.IsNullOrEmpty(text)) return false;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return false;
        if (!IpFamilies.TryParseStrict(text[..slash], out var address)) return false;
        var bits = IpFamilies.Of(address) == IpFamily.IPv4 ? 32 : 128;
        if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var prefix) || prefix > bits) return false;
        var number = ToNumber(address);
        var hostMask = prefix == bits ? UInt128.Zero : (UInt128.One << (bits - prefix)) - 1;
        if ((number & hostMask) != 0)
        {
            why = $"must be a network address with no host bits set, e.g. {FromNumber(number & ~hostMask, IpFamilies.Of(address))}/{prefix}";
            return false;
        }
        cidr = new IpCidr(address, prefix);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (IpFamilies.Of(address) != Family) return false;
        var n = ToNumber(address);
        return n >= Base && n - Base < Size;
    }

    public bool Overlaps(IpCidr other) =>
        other.Family == Family && (Contains(other.Network) || other.Contains(Network));

    /// <summary>The address <paramref name="offset"/> positions after the network address.</summary>
    public IPAddress At(ulong offset) => FromNumber(Base + offset, Family);

    /// <summary>The offset of an address inside this range (the address must be contained).</summary>
    public ulong OffsetOf(IPAddress address) => (ulong)(ToNumber(address) - Base);

    public override string ToString() => $"{Network}/{PrefixLength}";

    internal static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    internal static IPAddress FromNumber(UInt128 number, IpFamily family)
    {
        if (family == IpFamily.IPv4)
        {
            var v4 = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)number);
            return new IPAddress(v4);
        }
        var v6 = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, number);
        return new IPAddress(v6);
    }
}
