using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Switchyard.Proxy.Forwarding;

/// <summary>Builds an HTTP/1.1 message head into a pooled buffer (Latin-1, as HTTP/1.1 field values are octets).</summary>
internal struct HeadBuilder : IDisposable
{
    /// <summary>The size of most heads' buffer, which each thread keeps spares of.</summary>
    private const int UsualSize = 1024;

    private const int MaxSpares = 64;

    // A request's head lives from its forwarding to its answer, and on a loop thread other requests build theirs in
    // between: ArrayPool's one buffer per thread then misses, and its shared stacks take a lock (about 380 instructions
    // per request, counted). The usual buffers are kept per thread instead; larger ones come from the ArrayPool.
    [ThreadStatic] private static byte[][]? t_spares;
    [ThreadStatic] private static int t_spareCount;

    private byte[] _buffer;
    private int _length;

    public HeadBuilder(int capacity)
    {
        _buffer = capacity <= UsualSize && t_spareCount > 0 ? TakeSpare() : capacity <= UsualSize ? new byte[UsualSize] : ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
    }

    private static byte[] TakeSpare()
    {
        var spares = t_spares!;
        var buffer = spares[--t_spareCount];
        spares[t_spareCount] = null!;
        return buffer;
    }

    private static void Release(byte[] buffer)
    {
        if (buffer.Length != UsualSize)
        {
            if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        var spares = t_spares ??= new byte[MaxSpares][];
        if (t_spareCount < MaxSpares) spares[t_spareCount++] = buffer;
    }

    public readonly ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void Append(string? text)
    {
        if (string.IsNullOrEmpty(text)) return;
        Ensure(text.Length);
        _length += Latin1(text, _buffer.AsSpan(_length));
    }

    /// <summary>
    /// A field's values as one, as <see cref="StringValues.ToString"/> makes it: a single value as it is, several joined by
    /// commas without the empty ones.
    /// </summary>
    public void Append(StringValues values)
    {
        if (values.Count == 1)
        {
            Append(values[0]);
            return;
        }
        var first = true;
        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value)) continue;
            if (!first) Append(","u8);
            Append(value);
            first = false;
        }
    }

    /// <summary>The next <paramref name="length"/> bytes of the head, for the caller to fill.</summary>
    public Span<byte> Reserve(int length)
    {
        Ensure(length);
        _length += length;
        return _buffer.AsSpan(_length - length, length);
    }

    public void Append(long number)
    {
        Ensure(20);
        number.TryFormat(_buffer.AsSpan(_length), out var written);
        _length += written;
    }

    /// <summary>Writes "name: value" and CRLF, room for the line made once.</summary>
    public void Header(string name, string? value)
    {
        value ??= "";
        Ensure(name.Length + value.Length + 4);
        var span = _buffer.AsSpan(_length);
        var n = Latin1(name, span);
        span[n++] = (byte)':';
        span[n++] = (byte)' ';
        n += Latin1(value, span[n..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        _length += n;
    }

    /// <summary>Writes a field whose name (with its colon and space) is known bytes, then the value and CRLF.</summary>
    public void Header(ReadOnlySpan<byte> nameColonSpace, string value)
    {
        Ensure(nameColonSpace.Length + value.Length + 2);
        var span = _buffer.AsSpan(_length);
        nameColonSpace.CopyTo(span);
        var n = nameColonSpace.Length + Latin1(value, span[nameColonSpace.Length..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        _length += n;
    }

    /// <summary>
    /// <paramref name="text"/> as Latin-1 bytes: the vectorized ASCII narrowing for the usual field, the Latin-1 encoder
    /// (a character above U+00FF becomes '?') for the rest.
    /// </summary>
    private static int Latin1(string text, Span<byte> to) =>
        Ascii.FromUtf16(text, to, out var written) == OperationStatus.Done ? written : Encoding.Latin1.GetBytes(text, to);

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        Release(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        Release(_buffer);
        _buffer = [];
    }
}
