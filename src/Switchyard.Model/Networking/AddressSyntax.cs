using System.Net;
using System.Net.Sockets;

namespace Switchyard.Model.Networking;

/// <summary>
/// The text forms of addresses and prefix lengths, parsed without allocating for IPv4.
/// <para>
/// <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/> is too forgiving for API input: it reads
/// "010.0.0.1" as octal (8.0.0.1), accepts "10.1" and "0x0a.0.0.1", zones ("fe80::1%eth0") and brackets with a
/// port ("[::1]:80"). IPv4 is therefore parsed here; IPv6 goes to <see cref="IPAddress"/> once zones and brackets
/// have been refused.
/// </para>
/// </summary>
internal static class AddressSyntax
{
    /// <summary>
    /// Four dotted decimal octets. Strict (Kubernetes validation of new values) refuses leading zeros; lenient
    /// (Kubernetes' legacy "sloppy" parse) reads them as decimal, never octal.
    /// </summary>
    public static bool TryParseV4(ReadOnlySpan<char> text, bool strict, out uint value)
    {
        value = 0;
        var octets = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.') continue;
            var part = text[start..i];
            if (part.Length is 0 or > 3 || (strict && part.Length > 1 && part[0] == '0') || ++octets > 4) return false;
            var octet = 0;
            foreach (var c in part)
            {
                if (!char.IsAsciiDigit(c)) return false;
                octet = (octet * 10) + (c - '0');
            }
            if (octet > 255) return false;
            value = (value << 8) | (uint)octet;
            start = i + 1;
        }
        return octets == 4;
    }

    /// <summary>RFC 4291 text (with an optional embedded IPv4 tail); no zone, no brackets.</summary>
    public static bool TryParseV6(ReadOnlySpan<char> text, out UInt128 value)
    {
        value = 0;
        if (!text.Contains(':') || text.IndexOfAny('%', '[', ']') >= 0) return false;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6) return false;
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        value = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    /// <summary>
    /// A prefix length of at most <paramref name="bits"/>: one to three decimal digits; strict refuses leading zeros ("/08").
    /// </summary>
    public static bool TryParseLength(ReadOnlySpan<char> text, bool strict, int bits, out int length)
    {
        length = 0;
        if (text.Length is 0 or > 3 || (strict && text.Length > 1 && text[0] == '0')) return false;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c)) return false;
            length = (length * 10) + (c - '0');
        }
        return length <= bits;
    }
}
