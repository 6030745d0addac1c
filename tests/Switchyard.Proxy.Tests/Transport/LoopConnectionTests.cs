using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Proxy.Transport;

namespace Switchyard.Proxy.Tests.Transport;

/// <summary>
/// An accepted connection's reader and writer (<see cref="LoopInput"/>, <see cref="LoopOutput"/>) as Kestrel uses
/// them, against a real loopback peer (.NET sockets). Calls from the test thread take the posted path (a read moves to
/// the loop); the proxy tests drive them on the loop. Waits are bounded so a lost wake-up fails instead of hanging.
/// </summary>
public sealed class LoopConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly EventLoopGroup _loops = new(1, NullLogger.Instance);
    private IConnectionListener _listener = null!;
    private readonly List<IDisposable> _peers = [];

    public async Task InitializeAsync() =>
        _listener = await new LoopTransportFactory(_loops, MemoryPool<byte>.Shared, NullLogger.Instance).BindAsync(new IPEndPoint(IPAddress.Loopback, 0));

    public async Task DisposeAsync()
    {
        foreach (var peer in _peers) peer.Dispose();
        await _listener.DisposeAsync();
        _loops.Dispose();
    }

    private async Task<(ConnectionContext Connection, Socket Peer)> ConnectAsync(int receiveBuffer = 0)
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0) peer.ReceiveBufferSize = receiveBuffer;
        _peers.Add(peer);
        await peer.ConnectAsync((IPEndPoint)_listener.EndPoint);
        var connection = await _listener.AcceptAsync().AsTask().WaitAsync(Deadline);
        return (connection!, peer);
    }

    /// <summary>A read from the test's thread, awaited with a deadline.</summary>
    private static Task<ReadResult> Read(PipeReader input, CancellationToken token = default) => Task.Run(async () => await input.ReadAsync(token), CancellationToken.None).WaitAsync(Deadline, CancellationToken.None);

    private static string Text(in ReadOnlySequence<byte> buffer) => Encoding.ASCII.GetString(buffer.ToArray());

    private static async Task<byte[]> ReceiveAll(Socket peer, int atLeast)
    {
        var received = new MemoryStream();
        var chunk = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(Deadline);
        while (received.Length < atLeast)
        {
            var n = await peer.ReceiveAsync(chunk, SocketFlags.None, deadline.Token);
            if (n == 0) break;
            received.Write(chunk, 0, n);
        }
        return received.ToArray();
    }

    /// <summary>Writes and flushes until a flush reports completion: the first sends after a reset may still be taken before the kernel learns of it.</summary>
    private static async Task<FlushResult> FlushUntilCompleted(PipeWriter output)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            deadline.Token.ThrowIfCancellationRequested();
            output.Write(new byte[1024]);
            var flushed = await Task.Run(async () => await output.FlushAsync(), CancellationToken.None).WaitAsync(Deadline, CancellationToken.None);
            if (flushed.IsCompleted) return flushed;
            await Task.Delay(10, CancellationToken.None);
        }
    }

    [Fact]
    public async Task UnconsumedBytes_AreReadAgain_WithWhatArrivesAfterThem()
    {
        var (connection, peer) = await ConnectAsync();
        var input = connection.Transport.Input;
        await peer.SendAsync("abcdef"u8.ToArray());
        var first = await Read(input);
        while (first.Buffer.Length < 6) // loopback may split the bytes: wait for all six
        {
            input.AdvanceTo(first.Buffer.Start, first.Buffer.End);
            first = await Read(input);
        }
        Assert.Equal("abcdef", Text(first.Buffer));
        input.AdvanceTo(first.Buffer.GetPosition(2), first.Buffer.End); // consumed "ab", examined all: the next read waits for more

        var waiting = Read(input);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        await peer.SendAsync("gh"u8.ToArray());
        var second = await waiting;
        Assert.Equal("cdefgh", Text(second.Buffer));
        Assert.False(second.IsCompleted);
        input.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task ARunLargerThanABlock_NeverConsumed_GrowsTheBuffer()
    {
        var (connection, peer) = await ConnectAsync();
        var input = connection.Transport.Input;
        var data = new byte[40_000]; // ten 4 KiB blocks, examined whole and never consumed, as an unfinished request head would be
        new Random(5).NextBytes(data);
        var sending = peer.SendAsync(data);
        ReadResult read;
        while (true)
        {
            read = await Read(input);
            if (read.Buffer.Length >= data.Length) break;
            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        await sending;
        Assert.Equal(data, read.Buffer.ToArray());
        input.AdvanceTo(read.Buffer.End);
    }

    [Fact]
    public async Task CancelPendingRead_EndsAWaitingRead_AndOtherwiseTheNextOne()
    {
        var (connection, _) = await ConnectAsync();
        var input = connection.Transport.Input;
        var waiting = Read(input);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        input.CancelPendingRead();
        var canceled = await waiting;
        Assert.True(canceled.IsCanceled);
        Assert.False(canceled.IsCompleted);
        input.AdvanceTo(canceled.Buffer.End);

        input.CancelPendingRead(); // with no read pending: the next read returns at once, canceled
        var next = await Read(input);
        Assert.True(next.IsCanceled);
        input.AdvanceTo(next.Buffer.End);
    }

    [Fact]
    public async Task AfterACanceledRead_BytesLeftUnexamined_AreReturnedAtOnce()
    {
        var (connection, peer) = await ConnectAsync();
        var input = connection.Transport.Input;
        await peer.SendAsync("abcdef"u8.ToArray());
        var read = await Read(input);
        input.AdvanceTo(read.Buffer.Start, read.Buffer.End); // examined all: a read now waits for more
        input.CancelPendingRead();
        var canceled = await Read(input);
        Assert.True(canceled.IsCanceled);
        input.AdvanceTo(canceled.Buffer.Start); // consumed and examined nothing: the bytes are there to read again
        var again = await Read(input);
        Assert.False(again.IsCanceled);
        Assert.StartsWith("a", Text(again.Buffer), StringComparison.Ordinal);
        input.AdvanceTo(again.Buffer.End);
    }

    [Fact]
    public async Task ARequestAndTheFinInOneBurst_WhileAReadWaits_FireConnectionClosed()
    {
        var (connection, peer) = await ConnectAsync();
        var input = connection.Transport.Input;
        var closed = new TaskCompletionSource();
        connection.ConnectionClosed.Register(() => closed.TrySetResult());
        var waiting = Read(input);
        await Task.Delay(100);
        await peer.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray());
        peer.Shutdown(SocketShutdown.Send);
        var read = await waiting;
        Assert.StartsWith("GET / HTTP/1.1", Text(read.Buffer), StringComparison.Ordinal);
        input.AdvanceTo(read.Buffer.End); // the reader goes away with the request: nobody reads again
        await closed.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task AfterASendFailed_AReadReportsAReset()
    {
        var (connection, peer) = await ConnectAsync();
        var output = connection.Transport.Output;
        peer.LingerState = new LingerOption(true, 0);
        peer.Close();
        await FlushUntilCompleted(output);
        await Assert.ThrowsAsync<ConnectionResetException>(() => Read(connection.Transport.Input));
    }

    [Fact]
    public async Task ACanceledToken_EndsAWaitingRead()
    {
        var (connection, peer) = await ConnectAsync();
        var input = connection.Transport.Input;
        using var cancel = new CancellationTokenSource();
        var waiting = Read(input, cancel.Token);
        await Task.Delay(100);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        await peer.SendAsync("after"u8.ToArray()); // the connection reads on
        var read = await Read(input);
        Assert.StartsWith("a", Text(read.Buffer), StringComparison.Ordinal);
        input.AdvanceTo(read.Buffer.End);
    }

    [Fact]
    public async Task ThePeersFin_EndsTheInput_AfterItsBytes_AndFiresConnectionClosed()
    {
        var (connection, peer) = await ConnectAsync();
        var input = connection.Transport.Input;
        var closed = new TaskCompletionSource();
        connection.ConnectionClosed.Register(() => closed.TrySetResult());
        await peer.SendAsync("last"u8.ToArray());
        peer.Shutdown(SocketShutdown.Send);
        var received = new StringBuilder();
        while (true)
        {
            var read = await Read(input);
            received.Append(Text(read.Buffer));
            input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted) break;
        }
        Assert.Equal("last", received.ToString());
        await closed.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task APeerGoneWhileNobodyReads_FiresConnectionClosed()
    {
        var (connection, peer) = await ConnectAsync();
        var closed = new TaskCompletionSource();
        connection.ConnectionClosed.Register(() => closed.TrySetResult());
        await Task.Delay(100);
        Assert.False(closed.Task.IsCompleted);
        peer.LingerState = new LingerOption(true, 0);
        peer.Close(); // a reset, while the connection is busy elsewhere (no read pending)
        await closed.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task AFlushAcrossSeveralBlocks_ArrivesWhole()
    {
        var (connection, peer) = await ConnectAsync();
        var output = connection.Transport.Output;
        var data = new byte[10_000]; // three blocks, and a span asked for larger than a block
        new Random(9).NextBytes(data);
        output.Write(data.AsSpan(0, 3000));
        var large = output.GetSpan(6000);
        Assert.True(large.Length >= 6000);
        data.AsSpan(3000, 6000).CopyTo(large);
        output.Advance(6000);
        output.Write(data.AsSpan(9000));
        Assert.Equal(data.Length, output.UnflushedBytes);
        var flushed = await Task.Run(async () => await output.FlushAsync()).WaitAsync(Deadline);
        Assert.False(flushed.IsCompleted || flushed.IsCanceled);
        Assert.Equal(0, output.UnflushedBytes);
        Assert.Equal(data, await ReceiveAll(peer, data.Length));
    }

    [Fact]
    public async Task AFlushLargerThanTheSocketBuffers_WaitsForThePeer_ThenCompletes()
    {
        var (connection, peer) = await ConnectAsync(receiveBuffer: 16 * 1024);
        var output = connection.Transport.Output;
        var data = new byte[8 << 20];
        new Random(3).NextBytes(data);
        output.Write(data);
        var flushing = Task.Run(async () => await output.FlushAsync());
        await Task.Delay(200);
        Assert.False(flushing.IsCompleted); // the peer read nothing: the flush waits for buffer space
        var received = ReceiveAll(peer, data.Length);
        var flushed = await flushing.WaitAsync(Deadline);
        Assert.False(flushed.IsCompleted || flushed.IsCanceled);
        Assert.Equal(data, await received);

        output.Write("more"u8); // the writer goes on after a flush that waited
        await Task.Run(async () => await output.FlushAsync()).WaitAsync(Deadline);
        Assert.Equal("more", Encoding.ASCII.GetString(await ReceiveAll(peer, 4)));
    }

    [Fact]
    public async Task FlushesAfterThePeerReset_ReportCompletion()
    {
        var (connection, peer) = await ConnectAsync();
        var output = connection.Transport.Output;
        peer.LingerState = new LingerOption(true, 0);
        peer.Close();
        await FlushUntilCompleted(output); // the assertion: it fails at its deadline unless a flush reports completion
    }

    [Fact]
    public async Task Abort_FailsAWaitingRead_AndClosesTheSocket()
    {
        var (connection, peer) = await ConnectAsync();
        var waiting = Read(connection.Transport.Input);
        await Task.Delay(100);
        connection.Abort(new ConnectionAbortedException("test abort"));
        var error = await Assert.ThrowsAsync<ConnectionAbortedException>(() => waiting);
        Assert.Equal("test abort", error.Message);
        Assert.Empty(await ReceiveAll(peer, 1)); // the peer sees the connection end
    }

    [Fact]
    public async Task CompletingTheOutput_SendsWhatWasWrittenUnflushed_ThenCloses()
    {
        var (connection, peer) = await ConnectAsync();
        connection.Transport.Output.Write("bye"u8);
        await connection.Transport.Output.CompleteAsync();
        Assert.Equal("bye", Encoding.ASCII.GetString(await ReceiveAll(peer, int.MaxValue)));
        await connection.Transport.Input.CompleteAsync();
        await connection.DisposeAsync().AsTask().WaitAsync(Deadline);
    }
}
