using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Switchyard.Proxy.Transport;

/// <summary>
/// A non-blocking TCP socket owned by one <see cref="EventLoop"/>: registered once, edge-triggered for both directions,
/// and touched only on the loop's thread (a call from another thread is posted there). It remembers whether the kernel
/// said it is readable and writable, so it calls <c>recv</c> only when data is there: a short read means the socket
/// was drained, and the next edge says when more arrives. One receive and one send may be pending at a time; they
/// complete on the loop's thread, running their continuations inline.
/// </summary>
internal sealed class LoopSocket : ILoopHandler
{
    private const int MaxVectors = 64;

    /// <summary>The segments' pins of a gathered send, reused by the loop's thread.</summary>
    [ThreadStatic] private static MemoryHandle[]? t_pins;

    private readonly int _fd;
    private readonly int _slot;
    private readonly Operation _receive;
    private readonly Operation _send;
    private bool _readable;
    private bool _hungUp;
    private bool _writable;
    private bool _closed;
    private Action? _whileIdle;

    private LoopSocket(EventLoop loop, int fd, bool connected)
    {
        Loop = loop;
        _fd = fd;
        _receive = new Operation(this);
        _send = new Operation(this);
        _writable = connected;
        _slot = loop.Register(fd, this);
    }

    public EventLoop Loop { get; }

    /// <summary>True when the last look at the socket found data (or end of stream) to read.</summary>
    public bool Readable => _readable;

    /// <summary>True once epoll reported the peer's FIN (or an error): whatever is still buffered, nothing more will come.</summary>
    public bool HungUp => _hungUp;

    /// <summary>
    /// Called on the loop at each edge that finds the socket readable (bytes, the peer's FIN or an error) while no
    /// receive is pending and no idle watch is set: for an owner that reads with <see cref="Receive"/> alone, when the
    /// kernel says there is something (a client connection's input). Loop thread only.
    /// </summary>
    public Action? OnReadable { get; set; }

    /// <summary>Called on the loop when it stops with the socket still open (and closes it): for an owner that waits only on <see cref="OnReadable"/>.</summary>
    public Action? Abandoned { get; set; }

    /// <summary>Takes ownership of an accepted, non-blocking descriptor. Loop thread only.</summary>
    public static LoopSocket Adopt(EventLoop loop, int fd) => new(loop, fd, connected: true);

    /// <summary>Connects a new socket to <paramref name="to"/> on <paramref name="loop"/>; throws <see cref="SocketException"/> or <see cref="OperationCanceledException"/>.</summary>
    public static async ValueTask<LoopSocket> ConnectAsync(EventLoop loop, IPEndPoint to, CancellationToken cancellationToken)
    {
        if (!loop.IsCurrent) await loop.SwitchTo();
        var fd = Native.socket(Native.AddressFamilyOf(to), Native.SockStream | Native.SockNonblock | Native.SockCloexec, 0);
        if (fd < 0) throw Native.Error(Native.LastError);
        LoopSocket socket;
        try
        {
            Native.SetNoDelay(fd);
            socket = new LoopSocket(loop, fd, connected: false);
        }
        catch
        {
            Native.close(fd);
            throw;
        }
        try
        {
            var errno = StartConnect(fd, to);
            if (errno == 0)
            {
                socket._writable = true;
                return socket;
            }
            if (errno != Native.EINPROGRESS) throw Native.Error(errno);
            await socket.WaitWritableAsync(cancellationToken);
            var error = Native.PendingError(fd);
            if (error != 0) throw Native.Error(error);
            return socket;
        }
        catch
        {
            socket.Close();
            throw;
        }
    }

    /// <summary>Starts a non-blocking connect: 0 when connected at once, else the error number (EINPROGRESS: under way).</summary>
    private static unsafe int StartConnect(int fd, IPEndPoint to)
    {
        var address = stackalloc byte[Native.SockAddrSize];
        var length = Native.WriteSockAddr(to, new Span<byte>(address, Native.SockAddrSize));
        return Native.connect(fd, address, length) == 0 ? 0 : Native.LastError;
    }

    void ILoopHandler.Abandon()
    {
        CloseOnLoop();
        Abandoned?.Invoke();
    }

    void ILoopHandler.OnEvents(uint events)
    {
        if ((events & (Native.EpollIn | Native.EpollRdHup | Native.EpollHup | Native.EpollErr)) != 0)
        {
            // Once the peer's FIN (or an error) was reported, no later edge will announce it again: reads go on until they see it.
            if ((events & (Native.EpollRdHup | Native.EpollHup | Native.EpollErr)) != 0) _hungUp = true;
            _readable = true;
            ContinueReceive();
            // Still readable after any pending receive ran (whose continuation may have pooled the connection and started the watch).
            if (_readable && !_closed && !_receive.Pending)
            {
                if (_whileIdle is { } idle)
                {
                    _whileIdle = null;
                    idle();
                }
                else OnReadable?.Invoke();
            }
        }
        if (!_closed && (events & (Native.EpollOut | Native.EpollHup | Native.EpollErr)) != 0)
        {
            _writable = true;
            ContinueSend();
        }
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/> now: the byte count, 0 at end of stream, or -1 when there was nothing
    /// after all. Loop thread only; throws <see cref="SocketException"/>.
    /// </summary>
    public int Receive(Span<byte> buffer)
    {
        if (_closed) throw Aborted();
        var got = TryReceive(buffer, out var error);
        return error is null ? got : throw error;
    }

    /// <summary>
    /// Receives at least one byte (0 at end of stream), waiting for data when there is none. With an empty buffer it
    /// only waits for data, and returns 0 (a stream's zero-byte read).
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        if (!Loop.IsCurrent) return Loop.Stopped ? ValueTask.FromException<int>(Aborted()) : ReceiveFromElsewhereAsync(buffer, cancellationToken);
        if (_closed) return ValueTask.FromException<int>(Aborted());
        if (_readable)
        {
            if (buffer.IsEmpty) return new(0);
            var got = TryReceive(buffer.Span, out var error);
            if (error is not null) return ValueTask.FromException<int>(error);
            if (got >= 0) return new(got);
        }
        return new(_receive, _receive.Begin(buffer, default, waitOnly: buffer.IsEmpty, cancellationToken));
    }

    // From another thread, an operation starts on the loop: the operation objects are only ever touched there.
    private async ValueTask<int> ReceiveFromElsewhereAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await Loop.SwitchTo();
        return await ReceiveAsync(buffer, cancellationToken);
    }

    private async ValueTask SendFromElsewhereAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        await Loop.SwitchTo();
        await SendAsync(data, cancellationToken);
    }

    /// <summary>Sends all of <paramref name="data"/>, waiting for buffer space as needed.</summary>
    public ValueTask SendAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled(cancellationToken);
        if (Loop.IsCurrent)
        {
            if (_closed) return ValueTask.FromException(Aborted());
            if (_writable)
            {
                var error = TrySend(ref data);
                if (error is not null) return ValueTask.FromException(error);
                if (data.IsEmpty) return default;
            }
            return new(_send, _send.Begin(default, data, waitOnly: false, cancellationToken));
        }
        return Loop.Stopped ? ValueTask.FromException(Aborted()) : SendFromElsewhereAsync(data, cancellationToken);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAsync(new ReadOnlySequence<byte>(data), cancellationToken);

    private ValueTask WaitWritableAsync(CancellationToken cancellationToken) =>
        _writable ? default : new(_send, _send.Begin(default, default, waitOnly: true, cancellationToken));

    /// <summary>
    /// Calls <paramref name="readable"/> on the loop when the socket turns readable with no receive pending (at once
    /// when it already is): the pool's watch over an idle connection. The callback decides, atomically, whether the
    /// connection is still idle, so <see cref="StopWatching"/> racing it is harmless.
    /// </summary>
    public void WatchWhileIdle(Action readable)
    {
        if (!Loop.IsCurrent && !Loop.Stopped)
        {
            Loop.Post(static s => { var (socket, r) = ((LoopSocket, Action))s!; socket.WatchWhileIdle(r); }, (this, readable));
            return;
        }
        if (_readable || _closed || Loop.Stopped) readable();
        else _whileIdle = readable;
    }

    public void StopWatching() => _whileIdle = null;

    /// <summary>Sends FIN after what was sent (<c>shutdown(SHUT_WR)</c>); reading goes on.</summary>
    public void ShutdownSend() => OnLoop(static s => { if (!s._closed) Native.shutdown(s._fd, Native.ShutWr); });

    /// <summary>Shuts both directions and closes the descriptor; pending operations fail with OperationAborted.</summary>
    public void Close() => OnLoop(static s => s.CloseOnLoop());

    private void CloseOnLoop()
    {
        if (_closed) return;
        _closed = true;
        Native.shutdown(_fd, Native.ShutRdWr);
        Loop.Release(_slot);
        Native.close(_fd);
        if (_receive.Pending) _receive.Fail(Aborted());
        if (_send.Pending) _send.Fail(Aborted());
    }

    private void OnLoop(Action<LoopSocket> action)
    {
        if (Loop.IsCurrent) action(this);
        else Loop.Post(static s => { var (socket, a) = ((LoopSocket, Action<LoopSocket>))s!; a(socket); }, (this, action));
    }

    private static SocketException Aborted() => new((int)SocketError.OperationAborted);

    private void ContinueReceive()
    {
        var op = _receive;
        if (!op.Pending) return;
        if (_closed)
        {
            op.Fail(Aborted());
            return;
        }
        if (!_readable) return;
        if (op.WaitOnly)
        {
            op.Complete(0);
            return;
        }
        var got = TryReceive(op.Buffer.Span, out var error);
        if (error is not null) op.Fail(error);
        else if (got >= 0) op.Complete(got);
    }

    private void ContinueSend()
    {
        var op = _send;
        if (!op.Pending) return;
        if (_closed)
        {
            op.Fail(Aborted());
            return;
        }
        if (!_writable) return;
        if (op.WaitOnly)
        {
            op.Complete(0);
            return;
        }
        var error = TrySend(ref op.Data);
        if (error is not null) op.Fail(error);
        else if (op.Data.IsEmpty) op.Complete(0);
    }

    private unsafe int TryReceive(Span<byte> buffer, out SocketException? error)
    {
        error = null;
        while (true)
        {
            nint got;
            fixed (byte* p = buffer) got = Native.recv(_fd, p, buffer.Length, 0);
            if (got >= 0)
            {
                if (got > 0 && got < buffer.Length && !_hungUp) _readable = false; // a short read drained the socket
                return (int)got;
            }
            var errno = Native.LastError;
            if (errno == Native.EINTR) continue;
            if (errno == Native.EAGAIN)
            {
                _readable = false;
                return -1;
            }
            error = Native.Error(errno);
            return -1;
        }
    }

    /// <summary>Sends as much of <paramref name="data"/> as the socket takes, slicing off what was sent.</summary>
    private unsafe SocketException? TrySend(ref ReadOnlySequence<byte> data)
    {
        while (!data.IsEmpty)
        {
            nint sent;
            if (data.IsSingleSegment)
            {
                var span = data.FirstSpan;
                fixed (byte* p = span) sent = Native.send(_fd, p, span.Length, Native.MsgNoSignal);
            }
            else
            {
                sent = SendVectors(data);
            }
            if (sent < 0)
            {
                var errno = Native.LastError;
                if (errno == Native.EINTR) continue;
                if (errno == Native.EAGAIN)
                {
                    _writable = false;
                    return null;
                }
                return Native.Error(errno);
            }
            data = data.Slice(sent);
        }
        return null;
    }

    private unsafe nint SendVectors(in ReadOnlySequence<byte> data)
    {
        var vectors = stackalloc Native.IoVec[MaxVectors];
        var pins = t_pins ??= new MemoryHandle[MaxVectors];
        var count = 0;
        try
        {
            foreach (var segment in data)
            {
                if (segment.IsEmpty) continue;
                if (count == MaxVectors) break;
                pins[count] = segment.Pin();
                vectors[count] = new Native.IoVec { Base = (byte*)pins[count].Pointer, Length = (nuint)segment.Length };
                count++;
            }
            return Native.writev(_fd, vectors, count);
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                pins[i].Dispose();
                pins[i] = default;
            }
        }
    }

    /// <summary>One pending receive or send: a reusable value-task source, completed on the loop's thread.</summary>
    private sealed class Operation(LoopSocket owner) : IValueTaskSource<int>, IValueTaskSource
    {
        private readonly LoopSocket _owner = owner;
        private ManualResetValueTaskSourceCore<int> _core;
        private CancellationTokenRegistration _registration;
        private CancellationToken _cancellation;

        public bool Pending { get; private set; }

        public bool WaitOnly { get; private set; }

        public Memory<byte> Buffer { get; private set; }

        public ReadOnlySequence<byte> Data;

        /// <summary>Starts the operation; on the loop's thread only, which alone looks at and completes it.</summary>
        public short Begin(Memory<byte> buffer, ReadOnlySequence<byte> data, bool waitOnly, CancellationToken cancellationToken)
        {
            if (Pending) throw new InvalidOperationException("another operation of this kind is already pending on the socket");
            _core.Reset();
            Pending = true;
            WaitOnly = waitOnly;
            Buffer = buffer;
            Data = data;
            _cancellation = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static (s, token) =>
                {
                    var op = (Operation)s!;
                    op._owner.Loop.Post(static state => { var (o, t) = ((Operation, CancellationToken))state!; o.CancelOnLoop(t); }, (op, token));
                }, this);
            }
            return _core.Version;
        }

        private void CancelOnLoop(CancellationToken token)
        {
            // A cancellation posted for an earlier operation finds another token (or none) pending now, and is dropped.
            if (Pending && _cancellation == token) Fail(new OperationCanceledException(token));
        }

        public void Complete(int result)
        {
            Finish();
            _core.SetResult(result);
        }

        public void Fail(Exception error)
        {
            Finish();
            _core.SetException(error);
        }

        private void Finish()
        {
            Pending = false;
            Buffer = default;
            Data = default;
            _cancellation = default;
            _registration.Unregister();
            _registration = default;
        }

        public int GetResult(short token) => _core.GetResult(token);

        void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
