using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>
/// The response reader of upstream connections, over a real loopback socket pair, with a tiny buffer (8 bytes,
/// growing to 32) so that waiting, compaction and growth all happen within a few bytes.
/// </summary>
public sealed class UpstreamReaderTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private Socket _client = null!;
    private Socket _server = null!;
    private NetworkStream _stream = null!;
    private UpstreamReader _reader = null!;

    public async Task InitializeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await _client.ConnectAsync(listener.LocalEndPoint!);
        _server = await listener.AcceptAsync();
        _stream = new NetworkStream(_client, ownsSocket: true);
        _reader = new UpstreamReader(_stream, bufferSize: 8, maxBufferSize: 32);
    }

    public Task DisposeAsync()
    {
        _reader.Complete();
        _stream.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    private Task SendAsync(string text) => _server.SendAsync(Encoding.ASCII.GetBytes(text));

    private static string Text(ReadOnlySequence<byte> buffer) => Encoding.ASCII.GetString(buffer.ToArray());

    /// <summary>Reads until the buffer holds <paramref name="expected"/>, examining everything without consuming it.</summary>
    private async Task<ReadResult> ReadUntilAsync(string expected)
    {
        while (true)
        {
            var read = await _reader.ReadAsync().AsTask().WaitAsync(Deadline);
            if (Text(read.Buffer) == expected || read.IsCompleted) return read;
            Assert.StartsWith(Text(read.Buffer), expected, StringComparison.Ordinal);
            _reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    [Fact]
    public async Task Read_BeforeAnyBytes_WaitsAndCompletesWhenTheyArrive()
    {
        var pending = _reader.ReadAsync();
        Assert.False(pending.IsCompleted);
        await SendAsync("abc");
        var read = await pending.AsTask().WaitAsync(Deadline);
        Assert.Equal("abc", Text(read.Buffer));
        Assert.False(read.IsCompleted);
    }

    [Fact]
    public async Task Read_AfterExaminingEverything_WaitsForMoreAndKeepsWhatWasNotConsumed()
    {
        await SendAsync("ab");
        var first = await ReadUntilAsync("ab");
        _reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        var pending = _reader.ReadAsync();
        Assert.False(pending.IsCompleted);
        await SendAsync("cd");
        var second = await pending.AsTask().WaitAsync(Deadline);
        Assert.Equal("abcd", Text(second.Buffer));
    }

    [Fact]
    public async Task Read_AfterExaminingOnlyPart_ReturnsAtOnce()
    {
        await SendAsync("abcd");
        var first = await ReadUntilAsync("abcd");
        _reader.AdvanceTo(first.Buffer.GetPosition(1), first.Buffer.GetPosition(2));
        Assert.True(_reader.TryRead(out var second));
        Assert.Equal("bcd", Text(second.Buffer));
    }

    [Fact]
    public async Task Read_FullBufferPartlyConsumed_MovesTheRestToTheFront()
    {
        await SendAsync("01234567");
        var first = await ReadUntilAsync("01234567");
        _reader.AdvanceTo(first.Buffer.GetPosition(6), first.Buffer.End); // "67" left, buffer full
        await SendAsync("89");
        var second = await ReadUntilAsync("6789");
        Assert.Equal("6789", Text(second.Buffer));
    }

    [Fact]
    public async Task Read_FullBufferNothingConsumed_GrowsUpToTheLimitThenFails()
    {
        var text = new string('x', 32);
        await SendAsync(text + "y");
        var all = await ReadUntilAsync(text);
        Assert.Equal(32, all.Buffer.Length);
        _reader.AdvanceTo(all.Buffer.Start, all.Buffer.End);
        await Assert.ThrowsAsync<InvalidDataException>(async () => await _reader.ReadAsync());
    }

    [Fact]
    public async Task Read_PeerClosed_ReportsCompletionWithTheBytesLeft()
    {
        await SendAsync("tail");
        _server.Shutdown(SocketShutdown.Send);
        var read = await ReadUntilAsync("tail");
        if (!read.IsCompleted)
        {
            _reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await _reader.ReadAsync().AsTask().WaitAsync(Deadline);
        }
        Assert.True(read.IsCompleted);
        Assert.Equal("tail", Text(read.Buffer));
        _reader.AdvanceTo(read.Buffer.End);
        var after = await _reader.ReadAsync();
        Assert.True(after.IsCompleted);
        Assert.True(after.Buffer.IsEmpty);
    }

    [Fact]
    public void CancelPendingRead_NotSupported() =>
        Assert.Throws<NotSupportedException>(() => _reader.CancelPendingRead());

    [Fact]
    public async Task Buffered_CountsWhatWasNotConsumed_AndAGrownBufferShrinksOnceEmptied()
    {
        var text = new string('x', 20);
        await SendAsync(text);
        var all = await ReadUntilAsync(text); // 20 bytes: grown past the initial 8
        Assert.Equal(20, _reader.Buffered);
        _reader.AdvanceTo(all.Buffer.GetPosition(15));
        Assert.Equal(5, _reader.Buffered);
        Assert.True(_reader.TryRead(out var rest));
        _reader.AdvanceTo(rest.Buffer.End);
        Assert.Equal(0, _reader.Buffered);
        await SendAsync("0123456789");
        var next = await ReadUntilAsync("01234567"); // at most 8 again: the buffer went back to its initial size
        Assert.Equal("01234567", Text(next.Buffer));
    }
}
