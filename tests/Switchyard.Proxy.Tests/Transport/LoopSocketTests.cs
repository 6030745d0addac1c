using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Proxy.Transport;

namespace Switchyard.Proxy.Tests.Transport;

/// <summary>
/// The event loop's socket against real loopback peers (.NET sockets). The test thread is off the loop, so every call
/// here takes the posted path; the proxy tests drive the on-loop path. Waits are bounded so a lost wake-up fails
/// instead of hanging.
/// </summary>
public sealed class LoopSocketTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly EventLoopGroup _loops = new(1, NullLogger.Instance);
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public LoopSocketTests()
    {
        _listener.ReceiveBufferSize = 64 * 1024; // accepted peers inherit it: a large send cannot fit in the kernel's buffers
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    private IPEndPoint Address => (IPEndPoint)_listener.LocalEndPoint!;

    private async Task<(LoopSocket Socket, Socket Peer)> ConnectAsync()
    {
        var accepting = _listener.AcceptAsync();
        var socket = await LoopSocket.ConnectAsync(_loops[0], Address, CancellationToken.None).AsTask().WaitAsync(Deadline);
        return (socket, await accepting.WaitAsync(Deadline));
    }

    [Fact]
    public async Task DataAndFinSentTogether_ReadsTheDataThenEndOfStream()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            peer.Send("abc"u8);
            peer.Shutdown(SocketShutdown.Send);
            await Task.Delay(100); // both arrive before the first read: one edge reports them together
            var buffer = new byte[64];
            Assert.Equal(3, await socket.ReceiveAsync(buffer).AsTask().WaitAsync(Deadline));
            // A short read usually means "drained, wait for the next edge"; after the FIN was reported there is no next edge.
            Assert.Equal(0, await socket.ReceiveAsync(buffer).AsTask().WaitAsync(Deadline));
        }
        socket.Close();
    }

    [Fact]
    public async Task ReceiveBeforeDataArrives_CompletesWhenItDoes()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var buffer = new byte[64];
            var pending = socket.ReceiveAsync(buffer).AsTask();
            Assert.False(pending.IsCompleted);
            peer.Send("hello"u8);
            Assert.Equal(5, await pending.WaitAsync(Deadline));
            Assert.Equal("hello"u8.ToArray(), buffer[..5]);
        }
        socket.Close();
    }

    [Fact]
    public async Task SendLargerThanTheSocketBuffers_CompletesOnceThePeerReadsItAll()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var data = new byte[8 << 20];
            new Random(7).NextBytes(data);
            var sending = socket.SendAsync(data).AsTask();
            await Task.Delay(200);
            Assert.False(sending.IsCompleted); // the peer has read nothing: the send waits for buffer space
            var received = new MemoryStream();
            var chunk = new byte[256 * 1024];
            while (received.Length < data.Length)
            {
                var n = await peer.ReceiveAsync(chunk).WaitAsync(Deadline);
                Assert.NotEqual(0, n);
                received.Write(chunk, 0, n);
            }
            await sending.WaitAsync(Deadline);
            Assert.True(data.AsSpan().SequenceEqual(received.ToArray()), "the peer received other bytes than were sent");
        }
        socket.Close();
    }

    [Fact]
    public async Task CancelledReceive_ThrowsAndLeavesTheSocketUsable()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var buffer = new byte[64];
            using var cancel = new CancellationTokenSource();
            var pending = socket.ReceiveAsync(buffer, cancel.Token).AsTask();
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Deadline));
            peer.Send("x"u8);
            Assert.Equal(1, await socket.ReceiveAsync(buffer).AsTask().WaitAsync(Deadline));
        }
        socket.Close();
    }

    [Fact]
    public async Task CancelledSend_WaitingForBufferSpace_Throws()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            using var cancel = new CancellationTokenSource();
            var sending = socket.SendAsync(new byte[8 << 20], cancel.Token).AsTask();
            await Task.Delay(200);
            Assert.False(sending.IsCompleted); // the peer reads nothing: the socket's buffers are full
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending.WaitAsync(Deadline));
        }
        socket.Close();
    }

    [Fact]
    public async Task CloseWithAReceivePending_FailsItAsAborted()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var pending = socket.ReceiveAsync(new byte[64]).AsTask();
            socket.Close();
            var error = await Assert.ThrowsAsync<SocketException>(() => pending.WaitAsync(Deadline));
            Assert.Equal(SocketError.OperationAborted, error.SocketErrorCode);
            Assert.Equal(0, await peer.ReceiveAsync(new byte[8]).WaitAsync(Deadline)); // the peer sees the close
        }
    }

    [Fact]
    public async Task ShutdownSend_PeerReadsEndOfStream_ReceivingGoesOn()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            await socket.SendAsync("bye"u8.ToArray()).AsTask().WaitAsync(Deadline);
            socket.ShutdownSend();
            var buffer = new byte[16];
            var got = 0;
            int n;
            while ((n = await peer.ReceiveAsync(buffer.AsMemory(got)).AsTask().WaitAsync(Deadline)) > 0) got += n;
            Assert.Equal("bye"u8.ToArray(), buffer[..got]);
            peer.Send("after"u8);
            Assert.Equal(5, await socket.ReceiveAsync(new byte[16]).AsTask().WaitAsync(Deadline));
        }
        socket.Close();
    }

    [Fact]
    public async Task ZeroByteRead_WaitsForDataWithoutTakingIt()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var waiting = socket.ReceiveAsync(Memory<byte>.Empty).AsTask();
            await Task.Delay(100);
            Assert.False(waiting.IsCompleted); // not end of stream: nothing has arrived yet
            peer.Send("z"u8);
            Assert.Equal(0, await waiting.WaitAsync(Deadline));
            var buffer = new byte[8];
            Assert.Equal(1, await socket.ReceiveAsync(buffer).AsTask().WaitAsync(Deadline));
            Assert.Equal((byte)'z', buffer[0]);
        }
        socket.Close();
    }

    [Fact]
    public async Task StoppingTheLoop_FailsPendingOperationsAndClosesItsSockets()
    {
        var (socket, peer) = await ConnectAsync();
        using (peer)
        {
            var pending = socket.ReceiveAsync(new byte[8]).AsTask();
            _loops.Dispose();
            var error = await Assert.ThrowsAsync<SocketException>(() => pending.WaitAsync(Deadline));
            Assert.Equal(SocketError.OperationAborted, error.SocketErrorCode);
            Assert.Equal(0, await peer.ReceiveAsync(new byte[8]).WaitAsync(Deadline));
            // Later calls fail at once instead of waiting for a loop that is gone.
            await Assert.ThrowsAsync<SocketException>(() => socket.SendAsync("late"u8.ToArray()).AsTask().WaitAsync(Deadline));
        }
    }

    [Fact]
    public async Task ConnectToAClosedPort_ThrowsConnectionRefused()
    {
        var port = Address.Port;
        _listener.Close();
        var error = await Assert.ThrowsAsync<SocketException>(() =>
            LoopSocket.ConnectAsync(_loops[0], new IPEndPoint(IPAddress.Loopback, port), CancellationToken.None).AsTask().WaitAsync(Deadline));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _loops.Dispose();
    }
}
