using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Switchyard.Proxy.Transport;

/// <summary>
/// What Kestrel writes to a <see cref="LoopConnection"/>: a <see cref="PipeWriter"/> whose flush sends on the socket
/// itself, instead of a pipe that a sending loop drains. A flush on the loop's thread to a writable socket sends at once
/// and returns completed, with the blocks back in the pool. Otherwise (the socket's buffer is full, or the flush comes
/// from another thread) the written blocks are handed to the loop, which sends them as the socket takes them and then
/// completes the flush; the writer starts on fresh blocks, so the two threads never share one. No lock is taken.
/// Kestrel writes nothing while its flush is pending (its own writers queue what comes meanwhile), which is the one
/// rule this relies on; a second flush while the first one's bytes are still going out (after
/// <see cref="CancelPendingFlush"/>) is sent after them.
/// </summary>
internal sealed class LoopOutput : PipeWriter, IValueTaskSource<FlushResult>
{
    /// <summary>The least a block holds: Kestrel's pool's block size.</summary>
    private const int BlockSize = 4096;

    private readonly LoopConnection _connection;
    private readonly LoopSocket _socket;
    private readonly MemoryPool<byte> _pool;

    // The writer's side: blocks written and not handed to the socket yet.
    private Segment? _first;
    private Segment? _last;
    private long _unflushed;
    private Segment? _free; // spare segment objects (the blocks go back to the pool)

    // The loop's side: blocks handed over, being sent, then queued behind them.
    private Segment? _sending;
    private Segment? _queued;
    private ValueTask _send;
    private Action? _onSent;
    private int _handOffs;           // flushes from other threads posted to the loop and not enqueued yet
    private ManualResetValueTaskSourceCore<FlushResult> _flush;
    private bool _flushPending;
    private CancellationToken _flushToken;
    private CancellationTokenRegistration _flushRegistration;
    private int _cancelNext;         // 1: CancelPendingFlush came with no flush pending
    private volatile bool _failed;   // the socket failed or closed: what is written is dropped, flushes report completion
    private bool _completed;
    private Exception? _completion;

    public LoopOutput(LoopConnection connection, LoopSocket socket, MemoryPool<byte> pool)
    {
        _connection = connection;
        _socket = socket;
        _pool = pool;
        _flush.RunContinuationsAsynchronously = false;
    }

    private EventLoop Loop => _socket.Loop;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var last = _last;
        if (last is null || last.Capacity - last.End < Math.Max(sizeHint, 1)) last = Append(sizeHint);
        return last.Owner!.Memory[last.End..];
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        var last = _last;
        if (last is null || bytes < 0 || last.End + bytes > last.Capacity) throw new ArgumentOutOfRangeException(nameof(bytes));
        last.End += bytes;
        _unflushed += bytes;
    }

    private Segment Append(int sizeHint)
    {
        // Spare segment objects are the loop's: a writer on another thread makes a new one.
        var segment = Loop.IsCurrent && _free is { } spare ? spare : new Segment();
        if (segment == _free) _free = segment.NextFree;
        segment.NextFree = null;
        var size = Math.Max(sizeHint, BlockSize);
        segment.Owner = size <= _pool.MaxBufferSize ? _pool.Rent(size) : MemoryPool<byte>.Shared.Rent(size);
        segment.End = 0;
        if (_last is null) _first = segment;
        else _last.Link(segment);
        _last = segment;
        return segment;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_failed)
        {
            if (_first is not null) Release(Detach());
            return new(new FlushResult(isCanceled: false, isCompleted: true));
        }
        // After CancelPendingFlush with none pending, this flush reports canceled; its bytes still go out, as a pipe's would.
        var canceled = Volatile.Read(ref _cancelNext) == 1 && Interlocked.Exchange(ref _cancelNext, 0) == 1; // a plain read on the usual path
        if (_unflushed == 0) return new(new FlushResult(isCanceled: canceled, isCompleted: false));
        if (!Loop.IsCurrent || Volatile.Read(ref _handOffs) > 0)
        {
            // From another thread: the blocks go to the loop, which starts the wait there (its state is the loop's alone).
            Interlocked.Increment(ref _handOffs);
            return FlushFromElsewhereAsync(Detach(), canceled, cancellationToken);
        }
        if (_sending is not null)
        {
            // Bytes of a canceled flush are still going out: these follow them.
            var waiting = canceled ? (short)0 : StartFlush(cancellationToken);
            Enqueue(Detach());
            return canceled ? new(new FlushResult(isCanceled: true, isCompleted: false)) : new(this, waiting);
        }
        var send = _socket.SendAsync(Written(_first!, _last!), CancellationToken.None); // a canceled flush stops waiting, not sending
        if (send.IsCompletedSuccessfully)
        {
            Release(Detach());
            return new(new FlushResult(isCanceled: canceled, isCompleted: false));
        }
        var version = canceled ? (short)0 : StartFlush(cancellationToken);
        Sending(Detach(), send);
        return canceled ? new(new FlushResult(isCanceled: true, isCompleted: false)) : new(this, version);
    }

    private async ValueTask<FlushResult> FlushFromElsewhereAsync(Segment blocks, bool canceled, CancellationToken cancellationToken)
    {
        await Loop.SwitchTo();
        Interlocked.Decrement(ref _handOffs);
        var version = canceled ? (short)0 : StartFlush(cancellationToken);
        Enqueue(blocks);
        return canceled ? new FlushResult(isCanceled: true, isCompleted: false) : await new ValueTask<FlushResult>(this, version);
    }

    /// <summary>A flush that waits: its cancellation token, when it has one, ends the wait (the bytes still go out).</summary>
    private short StartFlush(CancellationToken cancellationToken)
    {
        _flush.Reset();
        _flushPending = true;
        if (cancellationToken.CanBeCanceled)
        {
            _flushToken = cancellationToken;
            _flushRegistration = cancellationToken.UnsafeRegister(static (s, token) =>
                ((LoopOutput)s!).Loop.Schedule(static state =>
                {
                    var (output, t) = ((LoopOutput, CancellationToken))state!;
                    if (output._flushPending && output._flushToken == t) output.EndFlush().SetException(new OperationCanceledException(t));
                }, ((LoopOutput)s!, token)), this);
        }
        return _flush.Version;
    }

    private ref ManualResetValueTaskSourceCore<FlushResult> EndFlush()
    {
        _flushPending = false;
        _flushToken = default;
        _flushRegistration.Dispose();
        _flushRegistration = default;
        return ref _flush;
    }

    /// <summary>The writer's blocks, handed over: it starts on fresh ones.</summary>
    private Segment Detach()
    {
        var first = _first!;
        _first = _last = null;
        _unflushed = 0;
        return first;
    }

    /// <summary>Blocks handed to the loop: sent now, or after those still going out. Loop thread.</summary>
    private void Enqueue(Segment blocks)
    {
        if (_failed)
        {
            Release(blocks);
            FlushDone(completed: true);
            return;
        }
        if (_sending is not null)
        {
            if (_queued is null) _queued = blocks;
            else Last(_queued).Link(blocks);
            return;
        }
        Sending(blocks, _socket.SendAsync(Written(blocks, Last(blocks))));
    }

    private void Sending(Segment blocks, ValueTask send)
    {
        _sending = blocks;
        _send = send;
        if (send.IsCompleted) OnSent();
        else send.GetAwaiter().UnsafeOnCompleted(_onSent ??= OnSent);
    }

    /// <summary>The socket took all of <see cref="_sending"/>, or failed. Loop thread.</summary>
    private void OnSent()
    {
        var send = _send;
        _send = default;
        var failed = false;
        try
        {
            send.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            failed = true;
            _connection.Shutdown(_connection.TransportError(e));
        }
        Release(_sending!);
        _sending = null;
        if (failed || _failed)
        {
            if (_queued is { } dropped) Release(dropped);
            _queued = null;
            FlushDone(completed: true);
            return;
        }
        if (_queued is { } next)
        {
            _queued = null;
            Sending(next, _socket.SendAsync(Written(next, Last(next))));
            return;
        }
        FlushDone(completed: false);
        if (_completed) _connection.Shutdown(_completion);
    }

    private void FlushDone(bool completed)
    {
        if (_flushPending) EndFlush().SetResult(new FlushResult(isCanceled: false, isCompleted: completed));
    }

    /// <summary>The socket is gone (closed, reset, or the connection aborted). Loop thread.</summary>
    internal void OnClosed()
    {
        _failed = true;
        if (_sending is null) FlushDone(completed: true); // a pending send fails on its own and finishes the flush
    }

    public override void CancelPendingFlush() => Loop.Schedule(static s =>
    {
        var output = (LoopOutput)s!;
        // A pending flush returns now; its bytes still go out, ahead of anything flushed later.
        if (output._flushPending) output.EndFlush().SetResult(new FlushResult(isCanceled: true, isCompleted: false));
        else Volatile.Write(ref output._cancelNext, 1);
    }, this);

    public override void Complete(Exception? exception = null)
    {
        // Written and not flushed still goes out (as a pipe's reader would still read it); then the socket closes.
        var rest = _unflushed > 0 && !_failed ? Detach() : null;
        if (rest is null && _first is not null) Release(Detach());
        Loop.Schedule(static s =>
        {
            var (output, blocks, error) = ((LoopOutput, Segment?, Exception?))s!;
            if (output._completed) return;
            output._completed = true;
            output._completion = error;
            if (blocks is not null) output.Enqueue(blocks);
            if (output._sending is null) output._connection.Shutdown(error);
        }, (this, rest, exception));
    }

    private static ReadOnlySequence<byte> Written(Segment first, Segment last) =>
        first == last ? new(first.Owner!.Memory[..first.End]) : new(first.Prepare(), 0, last, last.End);

    private static Segment Last(Segment first)
    {
        var s = first;
        while (s.NextSegment is { } next) s = next;
        return s;
    }

    /// <summary>Returns a chain's blocks to the pool and, on the loop, keeps its segment objects for reuse.</summary>
    private void Release(Segment first)
    {
        var keep = Loop.IsCurrent;
        for (Segment? s = first; s is not null;)
        {
            var next = s.NextSegment;
            s.Owner?.Dispose();
            s.Owner = null;
            s.Reset();
            if (keep)
            {
                s.NextFree = _free;
                _free = s;
            }
            s = next;
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flush.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags);

    /// <summary>One block of written bytes, linked into a sequence when a flush spans several.</summary>
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public IMemoryOwner<byte>? Owner;
        public int End;
        public Segment? NextFree;

        public int Capacity => Owner!.Memory.Length;

        public Segment? NextSegment => (Segment?)Next;

        public void Link(Segment next) => Next = next;

        /// <summary>Sets each segment's bytes and running index, for a sequence from this one to the end of the chain.</summary>
        public Segment Prepare()
        {
            long index = 0;
            for (Segment? s = this; s is not null; s = s.NextSegment)
            {
                s.Memory = s.Owner!.Memory[..s.End];
                s.RunningIndex = index;
                index += s.End;
            }
            return this;
        }

        public void Reset()
        {
            Memory = default;
            Next = null;
            RunningIndex = 0;
            End = 0;
        }
    }
}
