using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Model.Networking;

/// <summary>
/// An IPv4 or IPv6 address as a 128-bit number and a family: a small value that compares, hashes and tests
/// prefix membership without allocating (the policy verdict path depends on that). IPv4 addresses hold their
/// 32-bit value; an address never equals or matches one of the other family. An IPv4-mapped IPv6 address
/// (::ffff:a.b.c.d) stays IPv6 unless <see cref="Unmap"/> is called.
/// </summary>
public readonly record struct NetAddress
{
    public NetAddress(UInt128 value, IpFamily family)
    {
        if (family == IpFamily.IPv4 && value > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), "an IPv4 address is 32 bits");
        Value = value;
        Family = family;
    }

    public UInt128 Value { get; }

    public IpFamily Family { get; }

    public bool IsV6 => Family == IpFamily.IPv6;

    /// <summary>32 or 128.</summary>
    public int Bits => IsV6 ? 128 : 32;

    public bool IsIPv4Mapped => IsV6 && (Value >> 32) == 0xFFFF;

    /// <summary>The IPv4 address inside an IPv4-mapped IPv6 address; any other address unchanged.</summary>
    public NetAddress Unmap() => IsIPv4Mapped ? new NetAddress((uint)Value, IpFamily.IPv4) : this;

    public static NetAddress From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return address.AddressFamily == AddressFamily.InterNetwork && written == 4
            ? new NetAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes), IpFamily.IPv4)
            : new NetAddress(BinaryPrimitives.ReadUInt128BigEndian(bytes), IpFamily.IPv6);
    }

    /// <summary>
    /// Parses an address as Kubernetes validates new values: IPv4 as four decimal octets without leading zeros,
    /// IPv6 in RFC 4291 text; no zone ("%eth0"), no brackets, no surrounding space.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out NetAddress address) => TryParse(text, strict: true, out address);

    /// <summary>As <see cref="TryParse"/>, but IPv4 octets may carry leading zeros, read as decimal ("010.0.0.1" is 10.0.0.1).</summary>
    public static bool TryParseLenient(ReadOnlySpan<char> text, out NetAddress address) => TryParse(text, strict: false, out address);

    private static bool TryParse(ReadOnlySpan<char> text, bool strict, out NetAddress address)
    {
        address = default;
        if (text.Contains(':'))
        {
            if (!AddressSyntax.TryParseV6(text, out var v6)) return false;
            address = new NetAddress(v6, IpFamily.IPv6);
            return true;
        }
        if (!AddressSyntax.TryParseV4(text, strict, out var v4)) return false;
        address = new NetAddress(v4, IpFamily.IPv4);
        return true;
    }

    /// <summary>Writes the 4 or 16 network-order bytes.</summary>
    public bool TryWriteBytes(Span<byte> destination, out int written)
    {
        written = IsV6 ? 16 : 4;
        if (destination.Length < written) return false;
        if (IsV6) BinaryPrimitives.WriteUInt128BigEndian(destination, Value);
        else BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Value);
        return true;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        TryWriteBytes(bytes, out var written);
        return new IPAddress(bytes[..written]);
    }

    /// <summary>The canonical text: dotted decimal, or RFC 5952 IPv6 (as <see cref="IPAddress.ToString"/> writes it).</summary>
    public override string ToString() => ToIPAddress().ToString();
}
