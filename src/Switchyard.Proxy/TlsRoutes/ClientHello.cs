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
/// up to <see cref="MaxHandshakeBytes"/> from at most <see cref="MaxRecords"/> records. One instance per connection
/// remembers the records it has taken, so each byte is examined once however the client slices its sends.
/// </summary>
internal sealed class ClientHello : IDisposable
{
    /// <summary>The largest ClientHello accepted, its 4-byte header excluded (post-quantum key shares make them about 1.8 KiB; one record holds 16 KiB).</summary>
    public const int MaxHandshakeBytes = 64 * 1024;

    /// <summary>The most records a ClientHello may be split into (a 64 KiB one in 512-byte fragments takes 128).</summary>
    public const int MaxRecords = 256;

    private const byte HandshakeRecord = 22;
    private const byte ClientHelloType = 1;
    private const ushort ServerNameExtension = 0;
    private const byte HostNameType = 0;
    private const int HandshakeHeader = 4;
    private const int RecordHeader = 5;
    private const int MaxRecordPayload = 16384;

    private byte[]? _assembled;
    private int _have;
    private int _need = -1; // the whole handshake message's length, header included, once its header has arrived
    private long _taken; // bytes of whole records already copied into _assembled
    private int _records;

    /// <summary>Reads <paramref name="received"/> (all bytes of the connection so far) once, for tests and tools.</summary>
    public static ClientHelloStatus ReadOnce(ReadOnlySequence<byte> received, out string? serverName, out string? error)
    {
        using var hello = new ClientHello();
        return hello.Read(received, out serverName, out error);
    }

    /// <summary>
    /// Looks for a complete ClientHello at the start of <paramref name="received"/>, which holds every byte of the
    /// connection so far (what an earlier call saw, and more). When it is complete, <paramref name="serverName"/> is its
    /// host_name in lower case, or null when it names none or an unusable one; when it is invalid, <paramref name="error"/>
    /// says why.
    /// </summary>
    public ClientHelloStatus Read(ReadOnlySequence<byte> received, out string? serverName, out string? error)
    {
        serverName = null;
        error = null;
        var reader = new SequenceReader<byte>(received.Slice(_taken));
        while (_need < 0 || _have < _need)
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
            if (++_records > MaxRecords) return Fail(out error, $"a ClientHello split into more than {MaxRecords} records");
            if (_have + length > HandshakeHeader + MaxHandshakeBytes) return Fail(out error, $"a ClientHello larger than {MaxHandshakeBytes} bytes");
            Reserve(_have + length);
            reader.TryCopyTo(_assembled.AsSpan(_have, length));
            reader.Advance(length);
            _have += length;
            _taken += RecordHeader + length;
            if (_need < 0 && _have >= HandshakeHeader)
            {
                if (_assembled![0] != ClientHelloType) return Fail(out error, $"handshake message type {_assembled[0]} where a ClientHello must come first");
                var body = _assembled[1] << 16 | _assembled[2] << 8 | _assembled[3];
                if (body > MaxHandshakeBytes) return Fail(out error, $"a ClientHello of {body} bytes, more than {MaxHandshakeBytes}");
                _need = HandshakeHeader + body;
            }
        }
        return ParseBody(_assembled.AsSpan(HandshakeHeader, _need - HandshakeHeader), out serverName, out error);
    }

    public void Dispose()
    {
        if (_assembled is not null) ArrayPool<byte>.Shared.Return(_assembled);
        _assembled = null;
    }

    private void Reserve(int size)
    {
        if (_assembled is not null && _assembled.Length >= size) return;
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(size, 512));
        if (_assembled is not null)
        {
            _assembled.AsSpan(0, _have).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_assembled);
        }
        _assembled = grown;
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
                // A name no route could have (not a DNS hostname) routes like no name: the connection is refused as unknown.
                var name = data.Slice(at, length);
                if (name.Length is > 0 and <= 253 && IsHostName(name)) serverName = Encoding.ASCII.GetString(name).ToLowerInvariant();
                return ClientHelloStatus.Complete;
            }
            at += length;
        }
        return ClientHelloStatus.Complete;
    }

    /// <summary>Letters, digits, hyphens (and underscores, which some service names carry) and dots; no empty label, no trailing dot (RFC 6066 §3).</summary>
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
