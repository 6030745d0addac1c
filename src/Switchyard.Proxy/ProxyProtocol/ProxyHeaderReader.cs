using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Proxy.ProxyProtocol;

/// <summary>
/// Reads the PROXY protocol header (HAProxy's doc/proxy-protocol.txt, v1 and v2) that must start a connection on a
/// listener that accepts it, without consuming anything: the caller passes every byte received so far and, once the
/// header is complete, consumes <see cref="ProxyHeader.Length"/> bytes of them. Strict, as HAProxy's
/// <c>accept-proxy</c> and Envoy's listener filter are: bytes that cannot begin a header are refused as soon as they
/// arrive, a v1 line longer than 107 bytes is refused, and a v2 header is read only up to the length it announces
/// (at most 16 + 65535 bytes). TLVs are skipped.
/// </summary>
internal static class ProxyHeaderReader
{
    /// <summary>The longest v1 line, CRLF included (spec §2.1: "PROXY UNKNOWN" with two IPv6 addresses and ports).</summary>
    public const int MaxV1Length = 107;

    /// <summary>The fixed part of a v2 header: signature, version and command, family, length.</summary>
    public const int V2FixedLength = 16;

    public static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>The error for bytes that cannot begin a header of either version.</summary>
    public const string NotAHeader = "the connection does not start with a PROXY protocol header";

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>
    /// Looks for a complete header at the start of <paramref name="received"/>. Complete: <paramref name="header"/> says
    /// what it carries; Invalid: <paramref name="error"/> says why; Incomplete: more bytes are needed.
    /// </summary>
    public static ProxyHeaderStatus Read(ReadOnlySequence<byte> received, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = null;
        if (received.IsEmpty) return ProxyHeaderStatus.Incomplete;
        var first = received.FirstSpan[0];
        if (first == V1Prefix[0]) return ReadV1(received, out header, out error);
        if (first == V2Signature[0]) return ReadV2(received, out header, out error);
        error = NotAHeader;
        return ProxyHeaderStatus.Invalid;
    }

    private static ProxyHeaderStatus ReadV1(ReadOnlySequence<byte> received, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = null;
        Span<byte> line = stackalloc byte[MaxV1Length];
        var available = (int)Math.Min(received.Length, MaxV1Length);
        received.Slice(0, available).CopyTo(line);
        var prefix = Math.Min(available, V1Prefix.Length);
        if (!line[..prefix].SequenceEqual(V1Prefix[..prefix])) return Fail(out error, NotAHeader);
        var lf = line[..available].IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (available >= MaxV1Length) return Fail(out error, $"a v1 header longer than {MaxV1Length} bytes");
            return line[..available].ContainsAnyExcept(PrintableOrCr) ? Fail(out error, "a v1 header with a byte that is not printable ASCII") : ProxyHeaderStatus.Incomplete;
        }
        if (lf < V1Prefix.Length || line[lf - 1] != (byte)'\r') return Fail(out error, "a v1 header not ended by CRLF");
        var text = line[V1Prefix.Length..(lf - 1)];
        if (text.ContainsAnyExcept(Printable)) return Fail(out error, "a v1 header with a byte that is not printable ASCII");
        var fields = System.Text.Encoding.ASCII.GetString(text).Split(' ');
        if (fields[0] == "UNKNOWN")
        {
            header = new ProxyHeader(ProxyProtocolVersion.V1, lf + 1, null, null);
            return ProxyHeaderStatus.Complete;
        }
        if (fields[0] is not ("TCP4" or "TCP6")) return Fail(out error, $"a v1 header with protocol '{Clip(fields[0])}' (TCP4, TCP6 or UNKNOWN)");
        if (fields.Length != 5) return Fail(out error, $"a v1 {fields[0]} header with {fields.Length - 1} fields (source, destination, source port, destination port)");
        var family = fields[0] == "TCP4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        if (V1Address(fields[1], family) is not { } source) return Fail(out error, $"a v1 {fields[0]} header with source address '{Clip(fields[1])}'");
        if (V1Address(fields[2], family) is not { } destination) return Fail(out error, $"a v1 {fields[0]} header with destination address '{Clip(fields[2])}'");
        if (V1Port(fields[3]) is not { } sourcePort) return Fail(out error, $"a v1 header with source port '{Clip(fields[3])}'");
        if (V1Port(fields[4]) is not { } destinationPort) return Fail(out error, $"a v1 header with destination port '{Clip(fields[4])}'");
        header = new ProxyHeader(ProxyProtocolVersion.V1, lf + 1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyHeaderStatus.Complete;
    }

    private static readonly SearchValues<byte> Printable = SearchValues.Create([.. Enumerable.Range(0x20, 0x7f - 0x20).Select(b => (byte)b)]);
    private static readonly SearchValues<byte> PrintableOrCr = SearchValues.Create([.. Enumerable.Range(0x20, 0x7f - 0x20).Select(b => (byte)b), (byte)'\r']);

    /// <summary>
    /// An address in the v1 spelling of its family, as inet_pton reads it (HAProxy's parser): a dotted quad for TCP4
    /// (no shorthand such as "1" or "0x7f.1", no leading zero, which inet_aton and .NET read as octal: "010.0.0.1" is
    /// not 8.0.0.1), RFC 4291 text for TCP6 (hex digits, colons and a trailing dotted quad; no brackets, port or zone).
    /// </summary>
    private static IPAddress? V1Address(string text, AddressFamily family)
    {
        if (text.Length == 0 || !IPAddress.TryParse(text, out var address) || address.AddressFamily != family) return null;
        if (family == AddressFamily.InterNetwork && !DottedQuad(text)) return null;
        if (family == AddressFamily.InterNetworkV6 && (!text.Contains(':', StringComparison.Ordinal) || !text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))) return null;
        return address;
    }

    /// <summary>Four decimal octets of 1 to 3 digits, each without a leading zero.</summary>
    private static bool DottedQuad(string text)
    {
        var octets = text.Split('.');
        return octets.Length == 4 && octets.All(o => o.Length is > 0 and <= 3 && o.All(char.IsAsciiDigit) && (o.Length == 1 || o[0] != '0'));
    }

    /// <summary>A port in decimal, 0–65535, without leading zeros.</summary>
    private static int? V1Port(string text) =>
        text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var port and <= 65535 ? port : null;

    private static ProxyHeaderStatus ReadV2(ReadOnlySequence<byte> received, out ProxyHeader? header, out string? error)
    {
        header = null;
        error = null;
        Span<byte> fixedPart = stackalloc byte[V2FixedLength];
        var available = (int)Math.Min(received.Length, V2FixedLength);
        received.Slice(0, available).CopyTo(fixedPart);
        var signature = Math.Min(available, V2Signature.Length);
        if (!fixedPart[..signature].SequenceEqual(V2Signature[..signature])) return Fail(out error, NotAHeader);
        if (available < V2FixedLength) return ProxyHeaderStatus.Incomplete;
        var versionCommand = fixedPart[12];
        if (versionCommand >> 4 != 2) return Fail(out error, $"a v2 signature with version {versionCommand >> 4}");
        var command = versionCommand & 0x0F;
        if (command > 1) return Fail(out error, $"a v2 header with command {command} (0 LOCAL or 1 PROXY)");
        var familyProtocol = fixedPart[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        var total = V2FixedLength + length;
        if (received.Length < total) return ProxyHeaderStatus.Incomplete;
        if (command == 0)
        {
            // LOCAL: the sender's own connection (a health check); the real addresses stand, whatever follows.
            header = new ProxyHeader(ProxyProtocolVersion.V2, total, null, null) { Local = true };
            return ProxyHeaderStatus.Complete;
        }
        var family = familyProtocol >> 4;
        var protocol = familyProtocol & 0x0F;
        if (protocol > 2) return Fail(out error, $"a v2 header with transport protocol {protocol}");
        switch (family)
        {
            case 0: // AF_UNSPEC: nothing usable; keep the real addresses (spec §2.2)
            case 3: // AF_UNIX: no IP address to use either
                if (family == 3 && length < 216) return Fail(out error, $"a v2 AF_UNIX header of {length} address bytes (216 needed)");
                header = new ProxyHeader(ProxyProtocolVersion.V2, total, null, null);
                return ProxyHeaderStatus.Complete;
            case 1:
            case 2:
                var size = family == 1 ? 4 : 16;
                if (length < 2 * size + 4) return Fail(out error, $"a v2 {(family == 1 ? "AF_INET" : "AF_INET6")} header of {length} address bytes ({2 * size + 4} needed)");
                if (protocol != 1)
                {
                    // UNSPEC or DGRAM: not the addresses of a TCP connection (this one is), so the real ones stand, as HAProxy does.
                    header = new ProxyHeader(ProxyProtocolVersion.V2, total, null, null);
                    return ProxyHeaderStatus.Complete;
                }
                Span<byte> addresses = stackalloc byte[2 * 16 + 4];
                received.Slice(V2FixedLength, 2 * size + 4).CopyTo(addresses);
                var source = new IPAddress(addresses[..size]);
                var destination = new IPAddress(addresses[size..(2 * size)]);
                var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * size)..]);
                var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * size + 2)..]);
                header = new ProxyHeader(ProxyProtocolVersion.V2, total, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
                return ProxyHeaderStatus.Complete;
            default:
                return Fail(out error, $"a v2 header with address family {family}");
        }
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static ProxyHeaderStatus Fail(out string? error, string why)
    {
        error = why;
        return ProxyHeaderStatus.Invalid;
    }
}
