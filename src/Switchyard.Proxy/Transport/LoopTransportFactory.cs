using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Transport;

/// <summary>
/// Kestrel transport on the proxy's own event loops (docs/decisions/0008-event-loop-transport.md): the listening socket
/// is watched by the first loop, and each accepted connection goes to the next loop in turn and stays there.
/// </summary>
internal sealed class LoopTransportFactory(EventLoopGroup loops, MemoryPool<byte> pool, ILogger log) : IConnectionListenerFactory
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip) throw new NotSupportedException($"the event-loop transport listens on IP addresses only, not {endpoint}");
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = ip.Address.Equals(IPAddress.IPv6Any);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(ip);
            socket.Listen(1024);
            socket.Blocking = false;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new LoopListener(socket, loops, pool, log);
        listener.Start();
        return ValueTask.FromResult<IConnectionListener>(listener);
    }
}

/// <summary>
/// One listening socket: accepts on the first loop until the backlog is empty, hands each connection to a loop, and
/// queues it for Kestrel's accept loop.
/// </summary>
internal sealed class LoopListener(Socket socket, EventLoopGroup loops, MemoryPool<byte> pool, ILogger log) : IConnectionListener, ILoopHandler
{
    private readonly Channel<LoopConnection> _accepted = Channel.CreateUnbounded<LoopConnection>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = true });
    private readonly EventLoop _acceptor = loops[0];
    private readonly Socket _socket = socket;
    private readonly int _fd = (int)socket.Handle;
    private int _slot = -1;
    private bool _stopped;

    public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

    public void Start() => _acceptor.Schedule(static s =>
    {
        var l = (LoopListener)s!;
        if (l._stopped) return;
        l._slot = l._acceptor.Register(l._fd, l);
        l.AcceptPending();
    }, this);

    void ILoopHandler.OnEvents(uint events) => AcceptPending();

    void ILoopHandler.Abandon() => StopOnLoop();

    private void StopOnLoop()
    {
        if (_stopped) return;
        _stopped = true;
        if (_slot >= 0) _acceptor.Release(_slot);
        _socket.Dispose();
        _accepted.Writer.TryComplete();
    }

    private unsafe void AcceptPending()
    {
        var address = stackalloc byte[Native.SockAddrSize];
        while (!_stopped)
        {
            var length = Native.SockAddrSize;
            var fd = Native.accept4(_fd, address, &length, Native.SockNonblock | Native.SockCloexec);
            if (fd < 0)
            {
                var errno = Native.LastError;
                if (errno is Native.EINTR or 103) continue; // interrupted, or ECONNABORTED: the client gave up; take the next
                if (errno != Native.EAGAIN) RetryLater(errno);
                return; // EAGAIN: the backlog is empty, and the next connection brings an edge
            }
            Native.SetNoDelay(fd);
            var remote = Native.ReadSockAddr(new ReadOnlySpan<byte>(address, length));
            var loop = loops.Next();
            var pending = new Accepted(this, fd, remote);
            loop.Schedule(static s => ((Accepted)s!).Open(), pending);
        }
    }

    /// <summary>
    /// After a failure such as EMFILE, clients may wait in the backlog with no edge to come for them: accepting resumes
    /// after a pause, when descriptors or memory may have been freed.
    /// </summary>
    private void RetryLater(int errno)
    {
        log.LogWarning("accept on {EndPoint} failed: {Error}; retrying in 100 ms", EndPoint, Native.Error(errno).Message);
        _ = Task.Delay(100).ContinueWith(static (_, s) =>
        {
            var l = (LoopListener)s!;
            l._acceptor.Post(static state => ((LoopListener)state!).AcceptPending(), l);
        }, this, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private sealed class Accepted(LoopListener listener, int fd, IPEndPoint? remote)
    {
        public void Open()
        {
            var loop = EventLoop.Current!;
            LoopSocket socket;
            try
            {
                socket = LoopSocket.Adopt(loop, fd);
            }
            catch (SocketException e)
            {
                Native.close(fd);
                listener.LogRefused(e);
                return;
            }
            var connection = new LoopConnection(socket, listener.Pool, LocalOf(fd), remote);
            connection.Start();
            if (!listener._accepted.Writer.TryWrite(connection)) connection.Abort(new ConnectionAbortedException("the listener stopped"));
        }

        private static unsafe IPEndPoint? LocalOf(int fd)
        {
            var address = stackalloc byte[Native.SockAddrSize];
            var length = Native.SockAddrSize;
            return Native.getsockname(fd, address, &length) == 0 ? Native.ReadSockAddr(new ReadOnlySpan<byte>(address, length)) : null;
        }
    }

    private MemoryPool<byte> Pool => pool;

    private void LogRefused(SocketException e) => log.LogWarning("could not add an accepted connection on {EndPoint} to its event loop: {Error}", EndPoint, e.Message);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _acceptor.Schedule(static s =>
        {
            var (l, done) = ((LoopListener, TaskCompletionSource))s!;
            l.StopOnLoop();
            done.SetResult();
        }, (this, stopped));
        return new ValueTask(stopped.Task.WaitAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        // Connections accepted but never taken by Kestrel are closed.
        while (_accepted.Reader.TryRead(out var connection)) connection.Abort(new ConnectionAbortedException("the listener stopped"));
    }
}
