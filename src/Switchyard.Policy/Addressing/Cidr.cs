using System.Net;

namespace Switchyard.Policy.Addressing;

/// <summary>An address block: a base address and a prefix length. Parsed leniently of host bits (10.0.0.1/8 is 10.0.0.0/8).</summary>
public readonly record struct Cidr(NetAddress Network, int PrefixLength)
{
    public bool Contains(NetAddress address)
    {
        if (address.IsV6 != Network.IsV6) return false;
        if (PrefixLength == 0) return true;
        var shift = address.Bits - PrefixLength;
        return (address.Value >> shift) == (Network.Value >> shift);
    }

    /// <summary>True when every address of <paramref name="other"/> is in this block.</summary>
    public bool Covers(Cidr other) => other.Network.IsV6 == Network.IsV6 && other.PrefixLength >= PrefixLength && Contains(other.Network);

    public static bool TryParse(string? text, out Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrEmpty(text)) return false;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var ip)) return false;
        var address = NetAddress.From(ip);
        if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out var prefix) || prefix > address.Bits) return false;
        var shift = address.Bits - prefix;
        var network = shift == 128 ? UInt128.Zero : (address.Value >> shift) << shift;
        cidr = new Cidr(new NetAddress(network, address.IsV6), prefix);
        return true;
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
