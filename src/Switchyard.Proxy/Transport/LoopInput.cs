using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;

namespace Switchyard.Proxy.Transport;

/// <summary>
/// What Kestrel reads of a <see cref="LoopConnection"/>: a <see cref="PipeReader"/> that receives from the socket itself
/// when asked, into one buffer, instead of a pipe that a receiving loop fills. A read that finds no bytes waits for the
/// socket's next readable edge and completes inline on the loop's thread. No lock is taken: the reader's state is
/// touched only on the loop (a read issued elsewhere first moves there; cancellations and completion are posted).
/// The buffer is a block of the connection's pool while bytes wait in it; it goes back to the pool when a read finds
/// everything consumed, so an idle keep-alive connection holds none. It grows (up to <see cref="MaxBuffer"/>) only
/// when a reader examined a whole full buffer and consumed none of it.
/// </summary>
internal sealed class LoopInput : PipeReader, IValueTaskSource<ReadResult>
{
    /// <summary>The least free space a receive asks for.</summary>
    private const int MinimumReceive = 2048;

    /// <summary>The most a reader may leave unconsumed: Kestrel's own limits (request heads, HTTP/2 frames) are far below it.</summary>
    internal const int MaxBuffer = 1 << 20;

    private readonly LoopConnection _connection;
    private readonly LoopSocket _socket;
    private readonly MemoryPool<byte> _pool;
    private IMemoryOwner<byte>? _owner;
    private Memory<byte> _buffer;
    private int _start;        // first unconsumed byte
    private int _end;          // end of the bytes received
    private int _examined;     // end of what the reader has seen; a read waits for bytes beyond it
    private ReadOnlySequence<byte> _returned;
    private bool _endOfStream;
    private Exception? _error;  // why no more bytes will come, reported once the buffered ones are read
    private bool _completed;
    private bool _cancelNext;   // CancelPendingRead with no read pending: the next read returns at once, canceled
    private bool _waiting;
    private ManualResetValueTaskSourceCore<ReadResult> _pending;
    private CancellationToken _waitToken;
    private CancellationTokenRegistration _waitRegistration;

    public LoopInput(LoopConnection connection, LoopSocket socket, MemoryPool<byte> pool)
    {
        _connection = connection;
        _socket = socket;
        _pool = pool;
        _pending.RunContinuationsAsynchronously = false; // a read resumes inline on the loop, as the request is processed there
    }

    private EventLoop Loop => _socket.Loop;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        // Kestrel starts each connection on the thread pool, and a request resumed by a timer continues there: a read
        // issued off the loop first moves to it, so the connection (and the upstream connections it uses) comes back onto its loop.
        if (!Loop.IsCurrent && !Loop.Stopped) return ReadOnLoopAsync(cancellationToken);
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_waiting) throw new InvalidOperationException("a read is already pending on the connection");
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        if (_cancelNext)
        {
            _cancelNext = false;
            return new(Result(canceled: true));
        }
        if (Ready() || (Receive() && Ready())) return new(Result(canceled: false));
        ReleaseIfEmpty();
        _waiting = true;
        _pending.Reset();
        if (cancellationToken.CanBeCanceled)
        {
            _waitToken = cancellationToken;
            _waitRegistration = cancellationToken.UnsafeRegister(static (s, token) =>
                ((LoopInput)s!).Loop.Schedule(static state => { var (input, t) = ((LoopInput, CancellationToken))state!; input.CancelWait(t); }, ((LoopInput)s!, token)), this);
        }
        return new(this, _pending.Version);
    }

    private async ValueTask<ReadResult> ReadOnLoopAsync(CancellationToken cancellationToken)
    {
        await Loop.SwitchTo();
        return await ReadAsync(cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (Loop.IsCurrent && !_waiting && Ready())
        {
            result = Result(canceled: false);
            return true;
        }
        result = default;
        return false;
    }

    /// <summary>Whether a read can return now: bytes beyond what was examined, the end of the stream, or an error (thrown).</summary>
    private bool Ready()
    {
        if (_end > _examined || _endOfStream) return true;
        if (_error is { } error)
        {
            _error = null;
            _endOfStream = true; // reported once; reads after it see the end
            throw error;
        }
        return false;
    }

    private ReadResult Result(bool canceled)
    {
        _returned = _owner is null ? default : new ReadOnlySequence<byte>(_buffer[_start.._end]);
        return new ReadResult(_returned, canceled, _endOfStream && !canceled);
    }

    /// <summary>
    /// Receives what the socket has, when it said it has something: true when the state changed (bytes, end of stream
    /// or an error). Called only while the reader holds no result (it advanced past the last one), so the buffer may move.
    /// </summary>
    private bool Receive()
    {
        if (_endOfStream || _error is not null || !_socket.Readable) return false;
        MakeRoom();
        int got;
        try
        {
            got = _socket.Receive(_buffer.Span[_end..]);
        }
        catch (SocketException e)
        {
            _error = e.SocketErrorCode is SocketError.OperationAborted && _connection.ShutdownReason is { } reason ? reason
                : e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown ? new ConnectionResetException(e.Message, e)
                : e;
            ReleaseIfEmpty();
            _connection.FireConnectionClosed();
            return true;
        }
        if (got < 0) return false;
        if (got == 0)
        {
            _endOfStream = true;
            ReleaseIfEmpty();
            _connection.FireConnectionClosed();
            return true;
        }
        _end += got;
        return true;
    }

    /// <summary>Rents a block, moves unconsumed bytes to the front, or grows the buffer, so that a receive has room.</summary>
    private void MakeRoom()
    {
        if (_owner is null)
        {
            _owner = _pool.Rent();
            _buffer = _owner.Memory;
            return;
        }
        if (_buffer.Length - _end >= MinimumReceive) return;
        var unconsumed = _end - _start;
        if (_start > 0 && _buffer.Length - unconsumed >= MinimumReceive)
        {
            _buffer[_start.._end].CopyTo(_buffer);
        }
        else
        {
            if (_buffer.Length >= MaxBuffer) throw new InvalidOperationException($"the connection's reader left {unconsumed} bytes unconsumed, the most it may");
            var larger = MemoryPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, MaxBuffer));
            _buffer[_start.._end].CopyTo(larger.Memory);
            _owner.Dispose();
            _owner = larger;
            _buffer = larger.Memory;
        }
        _examined -= _start;
        _end -= _start;
        _start = 0;
    }

    /// <summary>Gives the block back when nothing waits in it: an idle connection holds no memory.</summary>
    private void ReleaseIfEmpty()
    {
        if (_owner is null || _end != _start) return;
        _owner.Dispose();
        _owner = null;
        _buffer = default;
        _start = _end = _examined = 0;
    }

    /// <summary>The socket turned readable (data, end of stream or an error). Loop thread.</summary>
    internal void OnReadable()
    {
        if (!_waiting)
        {
            // Nobody reads now (a request is being answered): a peer that went away ends the connection, as a receiving loop would notice.
            if (_socket.HungUp && !_endOfStream) _connection.FireConnectionClosed();
            return;
        }
        bool ready;
        try
        {
            ready = Receive() && Ready();
        }
        catch (Exception e)
        {
            EndWait().SetException(e);
            return;
        }
        if (ready) EndWait().SetResult(Result(canceled: false));
    }

    /// <summary>The connection's socket was closed: a waiting read fails with <paramref name="reason"/>. Loop thread.</summary>
    internal void OnClosed(Exception reason)
    {
        _error ??= reason;
        if (!_waiting) return;
        _error = null;
        _endOfStream = true;
        EndWait().SetException(reason);
    }

    private ref ManualResetValueTaskSourceCore<ReadResult> EndWait()
    {
        _waiting = false;
        _waitToken = default;
        _waitRegistration.Dispose();
        _waitRegistration = default;
        return ref _pending;
    }

    private void CancelWait(CancellationToken token)
    {
        // A cancellation posted for an earlier read finds another token (or none) waiting now, and is dropped.
        if (_waiting && _waitToken == token) EndWait().SetException(new OperationCanceledException(token));
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var consumedBytes = (int)_returned.Slice(_returned.Start, consumed).Length;
        var examinedBytes = (int)_returned.Slice(_returned.Start, examined).Length;
        if (examinedBytes < consumedBytes) throw new InvalidOperationException("examined must not precede consumed");
        _examined = Math.Max(_examined, _start + examinedBytes);
        _start += consumedBytes;
        _returned = default;
        if (_start == _end) _start = _end = _examined = 0; // all consumed: the next receive starts at the front
    }

    public override void CancelPendingRead() => Loop.Schedule(static s =>
    {
        var input = (LoopInput)s!;
        if (input._completed) return;
        if (input._waiting) input.EndWait().SetResult(input.Result(canceled: true));
        else input._cancelNext = true;
    }, this);

    public override void Complete(Exception? exception = null) => Loop.Schedule(static s =>
    {
        var input = (LoopInput)s!;
        if (input._completed) return;
        input._completed = true;
        if (input._waiting) input.EndWait().SetException(new ObjectDisposedException(nameof(LoopInput)));
        input._owner?.Dispose();
        input._owner = null;
        input._buffer = default;
        input._returned = default;
    }, this);

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pending.OnCompleted(continuation, state, token, flags);
}
