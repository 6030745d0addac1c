using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Switchyard.Proxy.TlsRoutes;

namespace Switchyard.Proxy.Tests.TlsRoutes;

/// <summary>
/// The ClientHello reader against ClientHellos that .NET's own TLS client sends over a loopback socket: the server
/// name, none for an IP address, every prefix incomplete, the message split over records and buffer segments, and
/// malformed or foreign bytes refused without an exception.
/// </summary>
public sealed class ClientHelloTests
{
    [Fact]
    public async Task Read_RealClientHello_FindsTheServerNameInLowerCase()
    {
        var hello = await CaptureAsync("Api.Example.TEST");

        Assert.Equal(ClientHelloStatus.Complete, ClientHello.ReadOnce(new ReadOnlySequence<byte>(hello), out var name, out var error));
        Assert.Equal("api.example.test", name);
        Assert.Null(error);
    }

    [Fact]
    public async Task Read_ClientHelloToAnIpAddress_IsCompleteWithoutAServerName()
    {
        var hello = await CaptureAsync("127.0.0.1"); // RFC 6066: an IP address is never sent as SNI

        Assert.Equal(ClientHelloStatus.Complete, ClientHello.ReadOnce(new ReadOnlySequence<byte>(hello), out var name, out _));
        Assert.Null(name);
    }

    [Fact]
    public async Task Read_EveryProperPrefix_IsIncomplete()
    {
        var hello = await CaptureAsync("db.example.test");

        for (var length = 0; length < hello.Length; length++)
        {
            Assert.Equal(ClientHelloStatus.Incomplete, ClientHello.ReadOnce(new ReadOnlySequence<byte>(hello, 0, length), out _, out _));
        }
    }

    [Fact]
    public async Task Read_HandshakeSplitOverTwoRecordsAndSegments_IsReassembled()
    {
        var hello = await CaptureAsync("split.example.test");
        var payload = hello.AsSpan(5).ToArray();
        var at = payload.Length / 3; // inside the extensions: the server name arrives in the second record
        var split = Record(payload[..at]).Concat(Record(payload[at..])).ToArray();

        Assert.Equal(ClientHelloStatus.Incomplete, ClientHello.ReadOnce(new ReadOnlySequence<byte>(split, 0, split.Length - 1), out _, out _));
        Assert.Equal(ClientHelloStatus.Complete, ClientHello.ReadOnce(Segments(split, 7), out var name, out _));
        Assert.Equal("split.example.test", name);
    }

    [Fact]
    public async Task Read_HandshakeHeaderSplitAcrossRecords_IsReassembled()
    {
        var hello = await CaptureAsync("header.example.test");
        var payload = hello.AsSpan(5).ToArray();
        var split = Record(payload[..2]).Concat(Record(payload[2..3])).Concat(Record(payload[3..])).ToArray();

        Assert.Equal(ClientHelloStatus.Complete, ClientHello.ReadOnce(new ReadOnlySequence<byte>(split), out var name, out _));
        Assert.Equal("header.example.test", name);
    }

    [Fact]
    public async Task Read_OneReaderFedGrowingPrefixes_ExaminesEachRecordOnce()
    {
        var hello = await CaptureAsync("grow.example.test");
        var payload = hello.AsSpan(5).ToArray();
        var records = payload.Chunk(16).SelectMany(Record).ToArray(); // many small records, as a slow client might send
        using var reader = new ClientHello();

        var status = ClientHelloStatus.Incomplete;
        string? name = null;
        for (var length = 1; length <= records.Length && status == ClientHelloStatus.Incomplete; length += 7)
            status = reader.Read(new ReadOnlySequence<byte>(records, 0, Math.Min(length, records.Length)), out name, out _);
        if (status == ClientHelloStatus.Incomplete) status = reader.Read(new ReadOnlySequence<byte>(records), out name, out _);

        Assert.Equal(ClientHelloStatus.Complete, status);
        Assert.Equal("grow.example.test", name);
    }

    [Fact]
    public void Read_TooManyRecords_IsInvalid()
    {
        // A ClientHello header announcing 4000 bytes, then one byte per record.
        var bytes = Record([1, 0, 0x0f, 0xa0]).Concat(Enumerable.Range(0, ClientHello.MaxRecords).SelectMany(_ => Record([0]))).ToArray();

        Assert.Equal(ClientHelloStatus.Invalid, ClientHello.ReadOnce(new ReadOnlySequence<byte>(bytes), out _, out var error));
        Assert.Contains($"more than {ClientHello.MaxRecords} records", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "record type 71")]
    [InlineData("\u0016\u0003\u0003\u0040\u0001", "a handshake record of 16385 bytes")]
    [InlineData("\u0016\u0003\u0003\u0000\u0000", "a handshake record of 0 bytes")]
    [InlineData("\u0016\u0002\u0000\u0000\u0004\u0001\u0000\u0000\u0000", "is not TLS")]
    [InlineData("\u0016\u0003\u0001\u0000\u0004\u0002\u0000\u0000\u0000", "handshake message type 2")]
    [InlineData("\u0016\u0003\u0001\u0000\u0004\u0001\u0001\u0011\u0070", "more than 65536")]
    [InlineData("\u0016\u0003\u0001\u0000\u0006\u0001\u0000\u0000\u0002\u0003\u0003", "truncated ClientHello")]
    public void Read_NotAClientHello_IsInvalidWithTheReason(string bytes, string reason)
    {
        Assert.Equal(ClientHelloStatus.Invalid, ClientHello.ReadOnce(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(bytes)), out var name, out var error));
        Assert.Null(name);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_CorruptedClientHellos_NeverThrow()
    {
        var hello = await CaptureAsync("fuzz.example.test");
        var random = new Random(20261126);
        var outcomes = new Dictionary<ClientHelloStatus, int>();
        for (var i = 0; i < 5000; i++)
        {
            var bytes = hello.ToArray();
            for (var n = random.Next(1, 4); n > 0; n--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            var status = ClientHello.ReadOnce(new ReadOnlySequence<byte>(bytes, 0, random.Next(bytes.Length / 2, bytes.Length + 1)), out _, out _);
            outcomes[status] = outcomes.GetValueOrDefault(status) + 1;
        }
        // Corruption is found in the framing or the fields it hits; intact enough hellos still parse.
        Assert.True(outcomes.GetValueOrDefault(ClientHelloStatus.Invalid) > 0);
        Assert.True(outcomes.GetValueOrDefault(ClientHelloStatus.Complete) > 0);
    }

    /// <summary>The first TLS record a .NET client sends when it connects to <paramref name="host"/> (its ClientHello).</summary>
    internal static async Task<byte[]> CaptureAsync(string host)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        using var tls = new SslStream(client.GetStream());
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host });
        var stream = server.GetStream();
        var header = new byte[5];
        await stream.ReadExactlyAsync(header);
        var record = new byte[5 + (header[3] << 8 | header[4])];
        header.CopyTo(record, 0);
        await stream.ReadExactlyAsync(record.AsMemory(5));
        server.Close(); // the handshake fails; only its first flight was wanted
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        return record;
    }

    private static byte[] Record(byte[] payload) => [22, 3, 1, (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    /// <summary><paramref name="bytes"/> as a sequence of segments of <paramref name="size"/> bytes.</summary>
    private static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        Segment? first = null, last = null;
        for (var at = 0; at < bytes.Length; at += size)
        {
            var next = new Segment(bytes.AsMemory(at, Math.Min(size, bytes.Length - at)), at);
            if (last is null) first = next;
            else last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public new Segment? Next
        {
            get => (Segment?)base.Next;
            set => base.Next = value;
        }
    }
}
