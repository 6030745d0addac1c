using System.Buffers;
using System.Text;

namespace Switchyard.Proxy.Forwarding;

/// <summary>Builds an HTTP/1.1 message head into a pooled buffer (Latin-1, as HTTP/1.1 field values are octets).</summary>
internal struct HeadBuilder : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public HeadBuilder(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
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
        _length += Encoding.Latin1.GetBytes(text, _buffer.AsSpan(_length));
    }

    public void Append(long number)
    {
        Ensure(20);
        number.TryFormat(_buffer.AsSpan(_length), out var written);
        _length += written;
    }

    public void Header(string name, string? value)
    {
        Append(name);
        Append(": "u8);
        Append(value);
        Append("\r\n"u8);
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
