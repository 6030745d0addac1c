using System.Buffers;
using System.Text;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// A parsed HTTP/1.x response head: status, fields in order, and the framing facts the forwarder needs. One instance
/// serves every response on an upstream connection: a field whose name and value repeat the previous response's field
/// at the same position (Server, Content-Type, Date within a second...) reuses its strings instead of allocating.
/// </summary>
internal sealed class ResponseHead
{
    private List<KeyValuePair<string, string>> _previous = new(16);

    public int Status { get; private set; }
    public List<KeyValuePair<string, string>> Headers { get; private set; } = new(16);
    public long? ContentLength { get; private set; }
    public bool Chunked { get; private set; }
    public bool ConnectionClose { get; private set; }
    public bool Http10 { get; private set; }
    public string? ConnectionTokens { get; private set; }

    /// <summary>Largest head accepted from an upstream.</summary>
    public const int MaxHeadBytes = 64 * 1024;

    /// <summary>
    /// Parses one head from the start of <paramref name="buffer"/>. Returns false if more bytes are needed
    /// (<paramref name="headEnd"/> unset); throws <see cref="InvalidDataException"/> for a malformed head.
    /// </summary>
    public bool TryParse(ReadOnlySequence<byte> buffer, out SequencePosition headEnd)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            if (buffer.Length > MaxHeadBytes) throw new InvalidDataException("upstream response head is larger than 64 KiB");
            headEnd = default;
            return false;
        }
        headEnd = reader.Position;
        (Headers, _previous) = (_previous, Headers);
        Headers.Clear();
        ContentLength = null;
        Chunked = ConnectionClose = Http10 = false;
        ConnectionTokens = null;
        if (head.IsSingleSegment) Parse(head.FirstSpan);
        else
        {
            var bytes = ArrayPool<byte>.Shared.Rent((int)head.Length);
            try
            {
                head.CopyTo(bytes);
                Parse(bytes.AsSpan(0, (int)head.Length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
        return true;
    }

    /// <summary>Forgets the last response's status before a new request, so "nothing parsed yet" reads as status 0.</summary>
    public void Reset() => Status = 0;

    private (string Name, string Value) Strings(int index, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (index < _previous.Count)
        {
            var (lastName, lastValue) = _previous[index];
            if (Ascii.Equals(name, lastName))
                return (lastName, Ascii.Equals(value, lastValue) ? lastValue : Encoding.Latin1.GetString(value));
        }
        return (KnownHeaderNames.Get(name), Encoding.Latin1.GetString(value));
    }

    // RFC 9110 §5.1 and §5.5: a field name is a token; a field value has no control characters but HTAB (obs-text passes).
    private static readonly SearchValues<byte> TokenChars = SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
    private static readonly SearchValues<byte> ControlChars = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    private void Parse(ReadOnlySpan<byte> head)
    {
        var eol = head.IndexOf("\r\n"u8);
        var statusLine = eol < 0 ? head : head[..eol];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' ')
            throw new InvalidDataException("upstream sent a malformed status line");
        Http10 = statusLine[7] == (byte)'0';
        var code = statusLine.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2]))
            throw new InvalidDataException("upstream sent a malformed status code");
        Status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        if (Status is < 100 or > 599) throw new InvalidDataException($"upstream sent status {Status}, outside 100-599");
        var rest = eol < 0 ? [] : head[(eol + 2)..];
        while (rest.Length > 0)
        {
            eol = rest.IndexOf("\r\n"u8);
            var line = eol < 0 ? rest : rest[..eol];
            rest = eol < 0 ? [] : rest[(eol + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) throw new InvalidDataException("upstream sent a malformed header line");
            var nameBytes = line[..colon];
            if (nameBytes[^1] == (byte)' ' || nameBytes[^1] == (byte)'\t') throw new InvalidDataException("upstream sent whitespace before a header colon");
            if (nameBytes.ContainsAnyExcept(TokenChars)) throw new InvalidDataException("upstream sent a header name that is not a token");
            var valueBytes = line[(colon + 1)..].Trim(" \t"u8);
            if (valueBytes.ContainsAny(ControlChars)) throw new InvalidDataException("upstream sent a control character in a header value");
            var (name, value) = Strings(Headers.Count, nameBytes, valueBytes);
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
                    || (ContentLength is { } previous && previous != length))
                    throw new InvalidDataException("upstream sent an invalid or conflicting Content-Length");
                ContentLength = length;
                continue;
            }
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                if (value.EndsWith("chunked", StringComparison.OrdinalIgnoreCase)) Chunked = true;
                continue;
            }
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Contains("close", StringComparison.OrdinalIgnoreCase)) ConnectionClose = true;
                ConnectionTokens = ConnectionTokens is null ? value : ConnectionTokens + "," + value;
            }
            Headers.Add(new(name, value));
        }
        // RFC 9112 §6.3: with Transfer-Encoding present, Content-Length is ignored (and the message is not reused).
        if (Chunked && ContentLength is not null)
        {
            ContentLength = null;
            ConnectionClose = true;
        }
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
