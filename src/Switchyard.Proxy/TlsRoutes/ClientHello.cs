using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Switchyard.Proxy.TlsRoutes;

/// <summary>What reading the start of a connection as a TLS ClientHello found.</summary>
internal enum ClientHelloStatus
{
    /// <summary>The bytes so far are a valid start; the ClientHello is not complete yet.</summary>
    Incomplete,

    /// <summary>A complete ClientHello; its server name (if any) is known.</summary>
    Complete,

    /// <summary>Not a TLS ClientHello (or a malformed one).</summary>
    Invalid,
}

/// <summary>
/// Reads the server name (SNI, RFC 6066 §3) from the ClientHello that starts a TLS connection (RFC 8446 §4.1.2, and
/// the same layout in TLS 1.0–1.2), without consuming anything: the caller passes every byte received so far and
/// forwards them unchanged afterwards. The handshake message may be split across several records; it is reassembled
/// up to <see cref="MaxHandshakeBytes"/>.
/// </summary>
internal static class ClientHello
{
    /// <summary>The largest ClientHello accepted (post-quantum key shares make them about 1.8 KiB; one record holds 16 KiB).</summary>
    public const int MaxHandshakeBytes = 64 * 1024;

    private const byte HandshakeRecord = 22;
    private const byte ClientHelloType = 1;
    private const ushort ServerNameExtension = 0;
    private const byte HostNameType = 0;
    private const int RecordHeader = 5;
    private const int MaxRecordPayload = 16384;

    /// <summary>
    /// Looks for a complete ClientHello at the start of <paramref name="received"/>. When it is complete,
    /// <paramref name="serverName"/> is its host_name in lower case, or null when it names none; when it is invalid,
    /// <paramref name="error"/> says why.
    /// </summary>
    public static ClientHelloStatus Read(ReadOnlySequence<byte> received, out string? serverName, out string? error)
    {
        serverName = null;
        error = null;
        var reader = new SequenceReader<byte>(received);
        byte[]? assembled = null;
        var have = 0;
        var need = -1; // the handshake message's length once its header has arrived
        try
        {
            while (need < 0 || have < need)
            {
                if (reader.Remaining < RecordHeader) return ClientHelloStatus.Incomplete;
                reader.TryRead(out var type);
                reader.TryReadBigEndian(out short version);
                reader.TryReadBigEndian(out short lengthValue);
                int length = (ushort)lengthValue;
                if (type != HandshakeRecord) return Fail(out error, (type & 0x80) != 0 ? "an SSL 2.0 hello, which is not supported" : $"record type {type} where a TLS handshake record must start the connection");
                if ((version >> 8) != 3) return Fail(out error, $"record version {version:x4} is not TLS");
                if (length is 0 or > MaxRecordPayload) return Fail(out error, $"a handshake record of {length} bytes");
                if (reader.Remaining < length) return ClientHelloStatus.Incomplete;
                assembled ??= ArrayPool<byte>.Shared.Rent(Math.Max(length, 4));
                if (have + length > assembled.Length)
                {
                    if (have + length > MaxHandshakeBytes + 4) return Fail(out error, $"a ClientHello larger than {MaxHandshakeBytes} bytes");
                    var grown = ArrayPool<byte>.Shared.Rent(have + length);
                    assembled.AsSpan(0, have).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(assembled);
                    assembled = grown;
                }
                reader.TryCopyTo(assembled.AsSpan(have, length));
                reader.Advance(length);
                have += length;
                if (need < 0 && have >= 4)
                {
                    if (assembled[0] != ClientHelloType) return Fail(out error, $"handshake message type {assembled[0]} where a ClientHello must come first");
                    need = 4 + (assembled[1] << 16 | assembled[2] << 8 | assembled[3]);
                    if (need > MaxHandshakeBytes) return Fail(out error, $"a ClientHello of {need - 4} bytes, more than {MaxHandshakeBytes}");
                }
            }
            return ParseBody(assembled!.AsSpan(4, need - 4), out serverName, out error);
        }
        finally
        {
            if (assembled is not null) ArrayPool<byte>.Shared.Return(assembled);
        }
    }

    private static ClientHelloStatus ParseBody(ReadOnlySpan<byte> body, out string? serverName, out string? error)
    {
        serverName = null;
        error = null;
        // legacy_version (2), random (32), legacy_session_id <0..32>, cipher_suites <2..2^16-2>, legacy_compression_methods <1..2^8-1>
        var at = 34;
        if (!Skip(body, ref at, 1, 32) || !Skip(body, ref at, 2, 65534) || !Skip(body, ref at, 1, 255))
            return Fail(out error, "a truncated ClientHello");
        if (at == body.Length) return ClientHelloStatus.Complete; // no extensions (TLS 1.0 and older clients): no server name
        if (at + 2 > body.Length) return Fail(out error, "a truncated extensions list");
        var extensionsEnd = at + 2 + BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
        at += 2;
        if (extensionsEnd != body.Length) return Fail(out error, "the extensions list does not end where the ClientHello does");
        while (at < extensionsEnd)
        {
            if (at + 4 > extensionsEnd) return Fail(out error, "a truncated extension");
            var type = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(body[(at + 2)..]);
            at += 4;
            if (at + length > extensionsEnd) return Fail(out error, "an extension longer than the list");
            if (type == ServerNameExtension) return ServerName(body.Slice(at, length), out serverName, out error);
            at += length;
        }
        return ClientHelloStatus.Complete;
    }

    /// <summary>The server_name extension: a list of (name_type, name); the host_name entry is the one used.</summary>
    private static ClientHelloStatus ServerName(ReadOnlySpan<byte> data, out string? serverName, out string? error)
    {
        serverName = null;
        error = null;
        if (data.Length < 2 || BinaryPrimitives.ReadUInt16BigEndian(data) != data.Length - 2) return Fail(out error, "a malformed server_name extension");
        var at = 2;
        while (at < data.Length)
        {
            if (at + 3 > data.Length) return Fail(out error, "a truncated server name");
            var type = data[at];
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 1)..]);
            at += 3;
            if (at + length > data.Length) return Fail(out error, "a server name longer than its extension");
            if (type == HostNameType)
            {
                var name = data.Slice(at, length);
                if (name.Length is 0 or > 253 || !IsHostName(name)) return Fail(out error, "a server name that is not a DNS hostname");
                serverName = Encoding.ASCII.GetString(name).ToLowerInvariant();
                return ClientHelloStatus.Complete;
            }
            at += length;
        }
        return ClientHelloStatus.Complete;
    }

    /// <summary>Letters, digits, hyphens and dots, no empty label, no trailing dot (RFC 6066 §3).</summary>
    private static bool IsHostName(ReadOnlySpan<byte> name)
    {
        var label = 0;
        foreach (var c in name)
        {
            if (c == '.')
            {
                if (label == 0) return false;
                label = 0;
                continue;
            }
            if (!(char.IsAsciiLetterOrDigit((char)c) || c == '-' || c == '_') || ++label > 63) return false;
        }
        return label > 0;
    }

    /// <summary>Skips a vector with a <paramref name="lengthBytes"/>-byte length prefix of at most <paramref name="max"/>.</summary>
    private static bool Skip(ReadOnlySpan<byte> body, ref int at, int lengthBytes, int max)
    {
        if (at + lengthBytes > body.Length) return false;
        var length = lengthBytes == 1 ? body[at] : BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
        if (length > max || at + lengthBytes + length > body.Length) return false;
        at += lengthBytes + length;
        return true;
    }

    private static ClientHelloStatus Fail(out string? error, string why)
    {
        error = why;
        return ClientHelloStatus.Invalid;
    }
}
