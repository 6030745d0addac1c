using System.Buffers;
using System.IO.Pipelines;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// HTTP/1.1 chunked framing: decodes an upstream's chunked body and writes the data to the client (which re-frames it),
/// and frames request bodies of unknown length for upstreams.
/// </summary>
internal static class ChunkedBody
{
    private const int MaxLine = 4096;

    /// <summary>Writes a chunk-size line ("1a2b\r\n") for a chunk of <paramref name="length"/> bytes.</summary>
    public static void WriteChunkHeader(IBufferWriter<byte> writer, long length)
    {
        var span = writer.GetSpan(20);
        length.TryFormat(span, out var written, "X", System.Globalization.CultureInfo.InvariantCulture);
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        writer.Advance(written);
    }

    /// <summary>False when the body is malformed or ends early.</summary>
    public static async ValueTask<bool> CopyAsync(PipeReader reader, PipeWriter writer, CancellationToken cancellationToken)
    {
        long chunkRemaining = -1; // -1: expecting a size line; -2: expecting CRLF after data; -3: trailers
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            var consumed = buffer.Start;
            var done = false;
            while (!done)
            {
                var slice = buffer.Slice(consumed);
                if (chunkRemaining > 0)
                {
                    if (slice.IsEmpty) break;
                    var take = slice.Slice(0, Math.Min(chunkRemaining, slice.Length));
                    foreach (var segment in take) await writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                    chunkRemaining -= take.Length;
                    consumed = take.End;
                    if (chunkRemaining == 0) chunkRemaining = -2;
                    continue;
                }
                var lineReader = new SequenceReader<byte>(slice);
                if (!lineReader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
                {
                    if (slice.Length > MaxLine) return false;
                    break;
                }
                consumed = lineReader.Position;
                if (chunkRemaining == -2)
                {
                    if (!line.IsEmpty) return false;
                    chunkRemaining = -1;
                }
                else if (chunkRemaining == -3)
                {
                    if (line.IsEmpty) done = true;
                }
                else
                {
                    if (!TryParseSize(line, out var size)) return false;
                    chunkRemaining = size == 0 ? -3 : size;
                }
            }
            reader.AdvanceTo(consumed, buffer.End);
            if (done) return true;
            if (read.IsCompleted) return false;
            var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCanceled) return false;
        }
    }

    private static bool TryParseSize(ReadOnlySequence<byte> line, out long size)
    {
        size = 0;
        var digits = 0;
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (b == (byte)';' || b == (byte)' ' || b == (byte)'\t') return digits > 0;
                var v = b switch
                {
                    >= (byte)'0' and <= (byte)'9' => b - '0',
                    >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                    >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                    _ => -1,
                };
                if (v < 0 || ++digits > 15) return false;
                size = size * 16 + v;
            }
        }
        return digits > 0;
    }
}
