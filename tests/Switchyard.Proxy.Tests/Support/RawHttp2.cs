using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// Sends one HTTP/2 request (cleartext, prior knowledge) whose fields are written as given: HttpClient refuses field
/// names HTTP/2 forbids, and these tests need to send them. Fields are HPACK literals without indexing and without
/// Huffman coding; the answer's :status is decoded from Kestrel's encoding of it.
/// </summary>
internal static class RawHttp2
{
    private static readonly Dictionary<int, int> StaticStatuses = new() { [8] = 200, [9] = 204, [10] = 206, [11] = 304, [12] = 400, [13] = 404, [14] = 500 };

    /// <summary>The response's status, or null when the server reset the stream or ended the connection instead.</summary>
    public static async Task<int?> SendAsync(int port, string authority, string path, params (string Name, string Value)[] fields)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        using var stream = new NetworkStream(socket);
        var block = new MemoryStream();
        block.Write([0x82, 0x86]); // :method GET, :scheme http (static table)
        Literal(block, 4, path); // :path
        Literal(block, 1, authority); // :authority
        foreach (var (name, value) in fields) Literal(block, name, value);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        await stream.WriteAsync(Frame(4, 0, 0, [])); // SETTINGS
        await stream.WriteAsync(Frame(1, 0x5, 1, block.ToArray())); // HEADERS, END_STREAM | END_HEADERS, stream 1
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var head = new byte[9];
            try
            {
                await stream.ReadExactlyAsync(head, deadline.Token);
            }
            catch (EndOfStreamException)
            {
                return null;
            }
            var length = (head[0] << 16) | (head[1] << 8) | head[2];
            var (type, flags, id) = (head[3], head[4], BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(5)) & int.MaxValue);
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, deadline.Token);
            if (type == 4 && (flags & 1) == 0) await stream.WriteAsync(Frame(4, 1, 0, []), deadline.Token); // ACK the server's SETTINGS
            if (type == 7 || (type == 3 && id == 1)) return null; // GOAWAY, RST_STREAM
            if (type == 1 && id == 1) return Status(payload);
        }
    }

    private static int Status(byte[] block)
    {
        var first = block[0];
        if ((first & 0x80) != 0) return StaticStatuses[first & 0x7f];
        // A literal whose name is :status (index 8): its value follows as a string without Huffman coding.
        var length = block[1] & 0x7f;
        Assert.Equal(0, block[1] & 0x80);
        return int.Parse(Encoding.ASCII.GetString(block, 2, length), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Literal(MemoryStream block, int nameIndex, string value)
    {
        block.WriteByte((byte)nameIndex); // literal without indexing, indexed name (index < 15)
        String(block, value);
    }

    private static void Literal(MemoryStream block, string name, string value)
    {
        block.WriteByte(0); // literal without indexing, new name
        String(block, name);
        String(block, value);
    }

    private static void String(MemoryStream block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Assert.True(bytes.Length < 127, "short strings only");
        block.WriteByte((byte)bytes.Length);
        block.Write(bytes);
    }

    private static byte[] Frame(byte type, byte flags, int stream, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream);
        payload.CopyTo(frame, 9);
        return frame;
    }
}
