using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Switchyard.Proxy.Transport;

/// <summary>
/// One accepted client connection as Kestrel sees it: two pipes between the socket and Kestrel, pumped on the
/// connection's event loop. Kestrel's reads of the input pipe resume inline when the loop receives bytes, and the
/// loop sends what Kestrel flushes to the output pipe as soon as it is flushed, so a request is parsed, proxied and
/// answered on the loop's thread.
/// </summary>
internal sealed class LoopConnection : ConnectionContext, IMemoryPoolFeature, IConnectionIdFeature, IConnectionTransportFeature,
    IConnectionItemsFeature, IConnectionEndPointFeature, IConnectionLifetimeFeature
{
    /// <summary>The least buffer space each receive asks the input pipe for.</summary>
    private const int MinimumReceive = 2048;

    private static long s_lastId;

    private readonly LoopSocket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _closedFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FeatureCollection _features = new();
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private bool _socketClosed;
    private Exception? _shutdownReason;
    private string? _id;
    private IDictionary<object, object?>? _items;

    public LoopConnection(LoopSocket socket, MemoryPool<byte> pool, IPEndPoint? local, IPEndPoint? remote)
    {
        _socket = socket;
        MemoryPool = pool;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        var loop = socket.Loop;
        // Input: the loop writes, Kestrel's reads resume inline; a flush held back by a full pipe resumes on the loop.
        _input = new Pipe(new PipeOptions(pool, readerScheduler: PipeScheduler.Inline, writerScheduler: loop, useSynchronizationContext: false));
        // Output: Kestrel writes; the loop sends (inline when Kestrel flushes on the loop, posted when it flushes elsewhere).
        _output = new Pipe(new PipeOptions(pool, readerScheduler: loop, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        Transport = new Duplex(new LoopInput(_input.Reader, loop), _output.Writer);
        ConnectionClosed = _closed.Token;
        _features.Set<IMemoryPoolFeature>(this);
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
    }

    public MemoryPool<byte> MemoryPool { get; }

    public override string ConnectionId
    {
        get => _id ??= Interlocked.Increment(ref s_lastId).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        set => _id = value;
    }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>Starts pumping. Loop thread only.</summary>
    public void Start()
    {
        _receiving = ReceiveAsync();
        _sending = SendAsync();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Closing the socket ends the receive pump; cancelling the pending read ends the send pump.
        ShutdownOnLoop(abortReason);
        _output.Reader.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        Transport.Input.Complete();
        Transport.Output.Complete();
        await _receiving.ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        await _closedFired.Task.ConfigureAwait(false);
        _closed.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReceiveAsync()
    {
        var input = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                if (!_socket.Readable) await _socket.ReceiveAsync(Memory<byte>.Empty); // waits for data without holding a buffer
                var memory = input.GetMemory(MinimumReceive);
                var got = _socket.Receive(memory.Span);
                if (got < 0) continue;
                if (got == 0) break; // FIN
                input.Advance(got);
                var flushed = await input.FlushAsync();
                if (flushed.IsCompleted || flushed.IsCanceled) break;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            error = new ConnectionResetException(e.Message, e);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            // After the send side closed the socket, that is why receiving stopped.
            input.Complete(_shutdownReason ?? error);
            FireConnectionClosed();
        }
    }

    private async Task SendAsync()
    {
        var output = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                var read = await output.ReadAsync();
                if (read.IsCanceled) break;
                var buffer = read.Buffer;
                if (!buffer.IsEmpty) await _socket.SendAsync(buffer);
                output.AdvanceTo(buffer.End);
                if (read.IsCompleted) break;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            error = new ConnectionResetException(e.Message, e);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            ShutdownOnLoop(error);
            output.Complete();
            _input.Writer.CancelPendingFlush(); // a receive pump held back by a full input pipe stops too
        }
    }

    private void ShutdownOnLoop(Exception? reason) =>
        _socket.Loop.Schedule(static s => { var (c, r) = ((LoopConnection, Exception?))s!; c.Shutdown(r); }, ValueTuple.Create<LoopConnection, Exception?>(this, reason));

    /// <summary>Closes the socket once, remembering why (a graceful end of sending counts as an abort for the input). Loop thread only.</summary>
    private void Shutdown(Exception? reason)
    {
        if (_socketClosed) return;
        _socketClosed = true;
        _shutdownReason = reason ?? new ConnectionAbortedException("the connection's sending side completed");
        _socket.Close();
    }

    /// <summary>Cancels <see cref="ConnectionClosed"/> on the thread pool: its callbacks (Kestrel aborting the request) must not run on the loop.</summary>
    private void FireConnectionClosed() =>
        ThreadPool.UnsafeQueueUserWorkItem(static c =>
        {
            c._closed.Cancel();
            c._closedFired.SetResult();
        }, this, preferLocal: false);

    /// <summary>
    /// Kestrel's view of the input. Kestrel starts each connection on the thread pool, and a request resumed by a
    /// timer continues there: a read issued off the loop first moves to it, so the connection's processing (and the
    /// upstream connections it uses) comes back onto its loop instead of posting every socket operation there.
    /// </summary>
    private sealed class LoopInput(PipeReader inner, EventLoop loop) : PipeReader
    {
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            loop.IsCurrent || loop.Stopped ? inner.ReadAsync(cancellationToken) : ReadOnLoopAsync(cancellationToken);

        private async ValueTask<ReadResult> ReadOnLoopAsync(CancellationToken cancellationToken)
        {
            await loop.SwitchTo();
            return await inner.ReadAsync(cancellationToken);
        }

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
