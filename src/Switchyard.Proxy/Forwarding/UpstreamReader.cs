using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The response side of an upstream connection: a <see cref="PipeReader"/> over one contiguous buffer that the
/// connection's stream refills. <see cref="StreamPipeReader"/> allocates a state machine every time a read has to wait,
/// which on a proxy is every response; this reader completes a waiting read through itself (one read is pending at a
/// time), so a response costs no allocation here. The buffer belongs to the connection and lives as long as it does.
/// It grows, up to <paramref name="maxBufferSize"/>, only when a reader examined all of a full buffer and consumed
/// none of it (a response head larger than the buffer).
/// </summary>
internal sealed class UpstreamReader(Stream stream, int bufferSize, int maxBufferSize) : PipeReader, IValueTaskSource<ReadResult>
{
    private byte[] _buffer = new byte[bufferSize];
    private int _start;        // first unconsumed byte
    private int _end;          // end of the bytes received
    private int _examined;     // end of what the reader has seen; a read waits for bytes beyond it
    private ReadOnlySequence<byte> _returned;
    private bool _endOfStream;
    private bool _completed;
    private ManualResetValueTaskSourceCore<ReadResult> _pending;
    private ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter _receive;
    private Action? _received;

    /// <summary>Bytes received and not consumed yet.</summary>
    public int Buffered => _end - _start;

    private ReadResult Result()
    {
        _returned = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
        return new ReadResult(_returned, isCanceled: false, _endOfStream);
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_end > _examined || _endOfStream)
        {
            result = Result();
            return true;
        }
        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (TryRead(out var ready)) return new(ready);
        MakeRoom();
        var receive = stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (receive.IsCompletedSuccessfully)
        {
            Received(receive.Result);
            return new(Result());
        }
        _pending.Reset();
        _receive = receive.ConfigureAwait(false).GetAwaiter();
        _receive.UnsafeOnCompleted(_received ??= OnReceived);
        return new(this, _pending.Version);
    }

    /// <summary>Moves unconsumed bytes to the front, or grows the buffer when all of it is unconsumed.</summary>
    private void MakeRoom()
    {
        if (_end < _buffer.Length) return;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _examined -= _start;
            _end -= _start;
            _start = 0;
            return;
        }
        if (_buffer.Length >= maxBufferSize) throw new InvalidDataException($"the upstream sent {maxBufferSize} bytes that could not be parsed");
        Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxBufferSize));
    }

    private void Received(int count)
    {
        if (count == 0) _endOfStream = true;
        _end += count;
    }

    private void OnReceived()
    {
        ReadResult result;
        try
        {
            Received(_receive.GetResult());
            result = Result();
        }
        catch (Exception e)
        {
            _pending.SetException(e);
            return;
        }
        _pending.SetResult(result);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var consumedBytes = (int)_returned.Slice(_returned.Start, consumed).Length;
        var examinedBytes = (int)_returned.Slice(_returned.Start, examined).Length;
        if (examinedBytes < consumedBytes) throw new InvalidOperationException("examined must not precede consumed");
        _examined = _start + examinedBytes;
        _start += consumedBytes;
        _returned = default;
        if (_start != _end) return;
        _start = _end = _examined = 0; // all consumed: refill from the front
        if (_buffer.Length > bufferSize) _buffer = new byte[bufferSize]; // a large head grew it: do not keep that for the connection's life
    }

    /// <summary>Not supported: a read waits on the socket, and only its cancellation token ends the wait early.</summary>
    public override void CancelPendingRead() => throw new NotSupportedException("an upstream read is cancelled through its token");

    public override void Complete(Exception? exception = null) => _completed = true;

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pending.OnCompleted(continuation, state, token, flags);
}
