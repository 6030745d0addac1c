using System.Buffers;
using System.Text;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// A parsed HTTP/1.x response head: status, fields in order, and the framing facts the forwarder needs. One instance
/// serves every response on an upstream connection and keeps the previous head's bytes and fields: a field line
/// identical to the previous response's line at the same position (Server, Content-Type, Content-Length, Connection...)
/// keeps what was parsed from it then, with one byte comparison and no validation, decoding or allocation; a line whose
/// name alone repeats (Date) reuses the name's string.
/// </summary>
internal sealed class ResponseHead
{
    private Field[] _fields = new Field[16];
    private int _fieldCount, _previousFieldCount;
    private byte[] _bytes = new byte[512];
    private byte[] _previousBytes = new byte[512];
    private bool _namesKnown = true; // NamesUnique describes the names of _fields[.._fieldCount] (not after a head that failed to parse)

    public int Status { get; private set; }

    /// <summary>The head's field lines in order, framing fields and hop-by-hop ones included.</summary>
    public ReadOnlySpan<Field> Fields => _fields.AsSpan(0, _fieldCount);

    public long? ContentLength { get; private set; }
    public bool Chunked { get; private set; }
    public bool ConnectionClose { get; private set; }
    public bool Http10 { get; private set; }

    /// <summary>Whether no field name appears twice (in any case) outside the framing fields: each can then be set, not appended.</summary>
    public bool NamesUnique { get; private set; } = true;

    /// <summary>The Connection values that name fields beyond keep-alive, close and upgrade (those fields are hop-by-hop too); null when none does.</summary>
    public string? ListedFields { get; private set; }

    /// <summary>Largest head accepted from an upstream.</summary>
    public const int MaxHeadBytes = 64 * 1024;

    /// <summary>Most fields accepted in one head (HAProxy's default limit is 101).</summary>
    public const int MaxFields = 256;

    /// <summary>What the forwarder does with a field, decided once per distinct field line.</summary>
    internal enum FieldKind : byte
    {
        EndToEnd,
        HopByHop,
        ContentLength,
        TransferEncoding,
        TransferEncodingChunked,
        Connection,
        ConnectionClose,
    }

    /// <summary>
    /// A field line of the head: its name and value, what it is, and where its bytes are in the head (the next head's
    /// line at the same position is compared with them); for Content-Length its value, for a Connection line whether it
    /// names fields (more than keep-alive, close and upgrade).
    /// </summary>
    internal record struct Field(string Name, string Value, FieldKind Kind, int Start, int Length, int NameLength, long ContentLength = -1, bool ListsFields = false)
    {
        /// <summary>Hop-by-hop (RFC 9110 §7.6.1): Connection, the fields it names by default, Keep-Alive, TE, Trailer, Upgrade...</summary>
        public readonly bool HopByHop => Kind is FieldKind.HopByHop or FieldKind.Connection or FieldKind.ConnectionClose;

        /// <summary>Content-Length or Transfer-Encoding: the proxy frames the response to its client anew.</summary>
        public readonly bool Framing => Kind is FieldKind.ContentLength or FieldKind.TransferEncoding or FieldKind.TransferEncodingChunked;
    }

    /// <summary>
    /// Parses one head from the start of <paramref name="buffer"/>. Returns false if more bytes are needed
    /// (<paramref name="headEnd"/> unset); throws <see cref="InvalidDataException"/> for a malformed head.
    /// </summary>
    public bool TryParse(ReadOnlySequence<byte> buffer, out SequencePosition headEnd)
    {
        int length; // of the head, its final empty line included
        if (buffer.IsSingleSegment)
        {
            var end = buffer.FirstSpan.IndexOf("\r\n\r\n"u8);
            length = end < 0 ? -1 : end + 4;
        }
        else
        {
            var reader = new SequenceReader<byte>(buffer);
            length = reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true) ? (int)reader.Consumed : -1;
        }
        if (length < 0)
        {
            if (buffer.Length > MaxHeadBytes) throw new InvalidDataException("upstream response head is larger than 64 KiB");
            headEnd = default;
            return false;
        }
        if (length > MaxHeadBytes) throw new InvalidDataException("upstream response head is larger than 64 KiB");
        headEnd = buffer.GetPosition(length);
        // The head's bytes are kept until the next response, which compares its lines with them.
        (_bytes, _previousBytes) = (_previousBytes, _bytes);
        // A buffer grown for an unusually large head is let go once the heads are small again.
        if (_bytes.Length < length || _bytes.Length > Math.Max(1024, 4 * length)) _bytes = new byte[Math.Max(512, length)];
        buffer.Slice(0, length).CopyTo(_bytes);
        ContentLength = null;
        Chunked = ConnectionClose = Http10 = false;
        ListedFields = null;
        Parse(length - 2); // without the final empty line's CRLF
        return true;
    }

    /// <summary>Forgets the last response's status before a new request, so "nothing parsed yet" reads as status 0.</summary>
    public void Reset() => Status = 0;

    // RFC 9110 §5.1 and §5.5: a field name is a token; a field value has no control characters but HTAB (obs-text passes).
    private static readonly SearchValues<byte> TokenChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
    private static readonly SearchValues<byte> ControlChars = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    private void Parse(int length)
    {
        // This head's lines are compared with the previous head's fields (those read before it failed, if it did).
        _previousFieldCount = _fieldCount;
        _fieldCount = 0;
        var namesSame = _namesKnown; // every name as the previous head had it at its position
        _namesKnown = false;
        var head = _bytes.AsSpan(0, length);
        var eol = head.IndexOf("\r\n"u8);
        var statusLine = head[..eol];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' ' || statusLine.ContainsAny(ControlChars))
            throw new InvalidDataException("upstream sent a malformed status line");
        Http10 = statusLine[7] == (byte)'0';
        var code = statusLine.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2]))
            throw new InvalidDataException("upstream sent a malformed status code");
        Status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        if (Status is < 100 or > 599) throw new InvalidDataException($"upstream sent status {Status}, outside 100-599");
        var start = eol + 2;
        var chunkedField = false; // a Transfer-Encoding field (of chunked alone: any other is refused below)
        while (start < length)
        {
            if (_fieldCount == MaxFields) throw new InvalidDataException($"upstream sent more than {MaxFields} header fields");
            // Lines end in CRLF (the head's own end was found as CRLFCRLF): a lone LF is refused.
            eol = head[start..].IndexOf((byte)'\n') - 1;
            if (eol < 0 || head[start + eol] != (byte)'\r') throw new InvalidDataException("upstream sent a malformed header line");
            if (_fieldCount == _fields.Length) Array.Resize(ref _fields, _fields.Length * 2);
            ref var field = ref _fields[_fieldCount];
            namesSame &= ReadLine(ref field, start, eol);
            _fieldCount++;
            start += eol + 2;
            switch (field.Kind)
            {
                case FieldKind.ContentLength:
                    if (field.ContentLength < 0 || (ContentLength is { } previous && previous != field.ContentLength))
                        throw new InvalidDataException("upstream sent an invalid or conflicting Content-Length");
                    ContentLength = field.ContentLength;
                    break;
                case FieldKind.TransferEncoding:
                    // The proxy decodes only chunked: a body in another coding would reach the client still encoded,
                    // with nothing saying so (Kestrel frames the response anew), so it is refused, as nginx refuses it.
                    throw new InvalidDataException($"upstream sent Transfer-Encoding '{field.Value}': only chunked, alone, is supported");
                case FieldKind.TransferEncodingChunked:
                    if (chunkedField) throw new InvalidDataException("upstream sent Transfer-Encoding chunked twice");
                    chunkedField = true;
                    break;
                case FieldKind.Connection or FieldKind.ConnectionClose:
                    ConnectionClose |= field.Kind == FieldKind.ConnectionClose;
                    if (field.ListsFields) ListedFields = ListedFields is null ? field.Value : ListedFields + "," + field.Value;
                    break;
            }
        }
        if (!namesSame || _fieldCount != _previousFieldCount) NamesUnique = Unique(Fields);
        _namesKnown = true;
        // RFC 9112 §6.3: with Transfer-Encoding present, Content-Length is ignored (and the connection is not reused).
        if (chunkedField)
        {
            Chunked = true;
            if (ContentLength is not null)
            {
                ContentLength = null;
                ConnectionClose = true;
            }
        }
    }

    /// <summary>Whether no two names outside the framing fields are equal in any case; names are compared only when their lengths meet.</summary>
    private static bool Unique(ReadOnlySpan<Field> fields)
    {
        var lengths = 0UL; // a bit per name length (modulo 64) seen
        for (var i = 0; i < fields.Length; i++)
        {
            if (fields[i].Framing) continue;
            var name = fields[i].Name;
            var bit = 1UL << (name.Length & 63);
            if ((lengths & bit) != 0)
            {
                for (var j = 0; j < i; j++)
                {
                    if (!fields[j].Framing && name.Equals(fields[j].Name, StringComparison.OrdinalIgnoreCase)) return false;
                }
            }
            lengths |= bit;
        }
        return true;
    }

    /// <summary>
    /// Reads the field line of <paramref name="length"/> bytes at <paramref name="start"/> into <paramref name="field"/>,
    /// which holds the previous head's line at this position (when it had one): kept when the bytes are the same, else
    /// parsed and checked. Returns whether the name is the one the previous line had, byte for byte.
    /// </summary>
    private bool ReadLine(ref Field field, int start, int length)
    {
        var bytes = _bytes.AsSpan(start, length);
        var before = _fieldCount < _previousFieldCount;
        if (before && field.Length == length && bytes.SequenceEqual(_previousBytes.AsSpan(field.Start, length)))
        {
            field.Start = start;
            return true;
        }
        var colon = bytes.IndexOf((byte)':');
        if (colon <= 0) throw new InvalidDataException("upstream sent a malformed header line");
        var nameBytes = bytes[..colon];
        if (nameBytes[^1] == (byte)' ' || nameBytes[^1] == (byte)'\t') throw new InvalidDataException("upstream sent whitespace before a header colon");
        if (nameBytes.ContainsAnyExcept(TokenChars)) throw new InvalidDataException("upstream sent a header name that is not a token");
        var valueBytes = bytes[(colon + 1)..].Trim(" \t"u8);
        if (valueBytes.ContainsAny(ControlChars)) throw new InvalidDataException("upstream sent a control character in a header value");
        // The name as the previous response sent it at this position (Date, whose value changes every second), else a new one.
        var sameName = before && field.NameLength == colon && nameBytes.SequenceEqual(_previousBytes.AsSpan(field.Start, colon));
        var (name, kind) = sameName ? (field.Name, field.Kind) : (KnownHeaderNames.Get(nameBytes), KindOf(nameBytes));
        var value = Encoding.Latin1.GetString(valueBytes);
        kind = kind switch
        {
            FieldKind.TransferEncoding or FieldKind.TransferEncodingChunked => value.AsSpan().Trim(" \t").Equals("chunked", StringComparison.OrdinalIgnoreCase) ? FieldKind.TransferEncodingChunked : FieldKind.TransferEncoding,
            FieldKind.Connection or FieldKind.ConnectionClose => value.Contains("close", StringComparison.OrdinalIgnoreCase) ? FieldKind.ConnectionClose : FieldKind.Connection,
            _ => kind,
        };
        field = new Field(name, value, kind, start, length, colon,
            ContentLength: kind == FieldKind.ContentLength ? ContentLengthOf(valueBytes) : -1,
            ListsFields: kind is FieldKind.Connection or FieldKind.ConnectionClose && HopByHop.HasExtraTokens(value));
        return sameName;
    }

    private static FieldKind KindOf(ReadOnlySpan<byte> name) =>
        name.Length switch
        {
            14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8) => FieldKind.ContentLength,
            17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) => FieldKind.TransferEncoding,
            10 when Ascii.EqualsIgnoreCase(name, "Connection"u8) => FieldKind.Connection,
            _ => HopByHop.Is(name) ? FieldKind.HopByHop : FieldKind.EndToEnd,
        };

    /// <summary>A Content-Length value: digits only (RFC 9110 §8.6), at most 18 of them; -1 when it is anything else.</summary>
    private static long ContentLengthOf(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 18) return -1;
        long value = 0;
        foreach (var d in digits)
        {
            if (d is < (byte)'0' or > (byte)'9') return -1;
            value = value * 10 + (d - '0');
        }
        return value;
    }
}

/// <summary>Interned names of common response fields, so copying them allocates nothing.</summary>
internal static class KnownHeaderNames
{
    private static readonly string[] Common =
    [
        "Content-Type", "Content-Length", "Date", "Server", "Connection", "Transfer-Encoding", "Keep-Alive", "Cache-Control", "ETag",
        "Last-Modified", "Accept-Ranges", "Vary", "Location", "Set-Cookie", "Expires", "Content-Encoding", "Upgrade", "Sec-WebSocket-Accept",
        "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Access-Control-Allow-Origin", "X-Content-Type-Options", "Strict-Transport-Security",
    ];

    public static string Get(ReadOnlySpan<byte> name)
    {
        foreach (var known in Common)
        {
            if (known.Length == name.Length && Ascii.EqualsIgnoreCase(name, known)) return known;
        }
        return Encoding.Latin1.GetString(name);
    }
}
