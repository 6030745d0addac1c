using System.Net;

namespace Switchyard.Model.Networking;

/// <summary>
/// An address block (CIDR): a network address with every host bit clear, and a prefix length. All tests are
/// integer operations on <see cref="NetAddress"/>, so <see cref="Contains(NetAddress)"/> never allocates.
/// <para>
/// Three parsers, for the three ways Kubernetes reads CIDRs:
/// <see cref="TryParse(ReadOnlySpan{char}, out IpPrefix)"/> refuses host bits ("10.0.0.1/8"), as service ranges do;
/// <see cref="TryParse(ReadOnlySpan{char}, out IpPrefix, out bool)"/> reports them so validation can say which
/// network was meant; <see cref="TryParseLenient"/> clears them, as NetworkPolicy <c>ipBlock</c> always has.
/// </para>
/// <para>
/// Why not <see cref="IPNetwork"/>: since .NET 9 its parser silently clears host bits (nothing can report them),
/// and it inherits <see cref="IPAddress"/>'s leniency (octal "010.0.0.0/8" is 8.0.0.0/8, zones, brackets, "/0008").
/// Its <c>Contains</c> takes an <see cref="IPAddress"/>, an allocation per packet on the policy path.
/// <see cref="ToIPNetwork"/> and <see cref="From(IPNetwork)"/> convert for APIs that want one.
/// </para>
/// </summary>
public readonly record struct IpPrefix
{
    private IpPrefix(NetAddress network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    /// <summary>The first address of the block (host bits clear).</summary>
    public NetAddress Network { get; }

    public int PrefixLength { get; }

    public IpFamily Family => Network.Family;

    public int HostBits => Network.Bits - PrefixLength;

    /// <summary>The last address of the block (host bits all set; the IPv4 broadcast address).</summary>
    public NetAddress Last => new(Network.Value | HostMask(Network.Bits, PrefixLength), Family);

    /// <summary>The number of addresses, 2^<see cref="HostBits"/>; <see cref="UInt128.MaxValue"/> for ::/0, whose 2^128 does not fit.</summary>
    public UInt128 Size => HostBits == 128 ? UInt128.MaxValue : UInt128.One << HostBits;

    /// <summary>The block of <paramref name="prefixLength"/> bits holding <paramref name="address"/> (host bits cleared).</summary>
    public static IpPrefix Create(NetAddress address, int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, address.Bits);
        return new IpPrefix(new NetAddress(address.Value & ~HostMask(address.Bits, prefixLength), address.Family), prefixLength);
    }

    public static IpPrefix From(IPNetwork network) => Create(NetAddress.From(network.BaseAddress), network.PrefixLength);

    public IPNetwork ToIPNetwork() => new(Network.ToIPAddress(), PrefixLength);

    /// <summary>Whether <paramref name="address"/> lies in this block (never for an address of the other family).</summary>
    public bool Contains(NetAddress address) =>
        address.Family == Family && (address.Value & ~HostMask(address.Bits, PrefixLength)) == Network.Value;

    public bool Contains(IPAddress address) => Contains(NetAddress.From(address));

    /// <summary>Whether every address of <paramref name="other"/> is in this block (a block covers itself).</summary>
    public bool Covers(IpPrefix other) => other.PrefixLength >= PrefixLength && Contains(other.Network);

    /// <summary>Whether the two blocks share an address; for aligned blocks that means one covers the other.</summary>
    public bool Overlaps(IpPrefix other) => Covers(other) || other.Covers(this);

    /// <summary>The address <paramref name="offset"/> positions after <see cref="Network"/>.</summary>
    public NetAddress AddressAt(UInt128 offset)
    {
        if (offset > HostMask(Network.Bits, PrefixLength)) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"past the end of {this}");
        return new NetAddress(Network.Value + offset, Family);
    }

    /// <summary>How far <paramref name="address"/> is from <see cref="Network"/>; the address must be in the block.</summary>
    public UInt128 OffsetOf(NetAddress address)
    {
        if (!Contains(address)) throw new ArgumentOutOfRangeException(nameof(address), address, $"not in {this}");
        return address.Value - Network.Value;
    }

    /// <summary>Parses "address/length" by Kubernetes' rules for new values and refuses a block with host bits set.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix)
    {
        if (TryParse(text, out prefix, out var hostBitsSet) && !hostBitsSet) return true;
        prefix = default;
        return false;
    }

    /// <summary>
    /// Parses "address/length" by Kubernetes' rules for new values: the address as <see cref="NetAddress.TryParse"/>
    /// reads it, the length in decimal without leading zeros. Host bits set is reported, not refused:
    /// <paramref name="prefix"/> is then the block they belong to (10.0.0.1/8 gives 10.0.0.0/8 and true).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix, out bool hostBitsSet) =>
        TryParse(text, strict: true, out prefix, out hostBitsSet);

    /// <summary>
    /// Parses "address/length" as Kubernetes reads legacy fields such as NetworkPolicy <c>ipBlock</c>: IPv4 octets and
    /// the length may carry leading zeros (read as decimal), and host bits are cleared (10.0.0.1/8 is 10.0.0.0/8).
    /// </summary>
    public static bool TryParseLenient(ReadOnlySpan<char> text, out IpPrefix prefix) =>
        TryParse(text, strict: false, out prefix, out _);

    private static bool TryParse(ReadOnlySpan<char> text, bool strict, out IpPrefix prefix, out bool hostBitsSet)
    {
        prefix = default;
        hostBitsSet = false;
        var slash = text.IndexOf('/');
        if (slash < 0) return false;
        var parsed = strict ? NetAddress.TryParse(text[..slash], out var address) : NetAddress.TryParseLenient(text[..slash], out address);
        if (!parsed || !AddressSyntax.TryParseLength(text[(slash + 1)..], strict, address.Bits, out var length)) return false;
        prefix = Create(address, length);
        hostBitsSet = prefix.Network != address;
        return true;
    }

    private static UInt128 HostMask(int bits, int prefixLength) =>
        bits - prefixLength == 128 ? UInt128.MaxValue : (UInt128.One << (bits - prefixLength)) - 1;

    /// <summary>The canonical text, "10.0.0.0/8" or "2001:db8::/32".</summary>
    public override string ToString() => $"{Network}/{PrefixLength}";
}
