using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Switchyard.Proxy.Transport;

/// <summary>
/// One accepted client connection as Kestrel sees it: its reads receive from the socket and its flushes send on it,
/// on the connection's event loop (<see cref="LoopInput"/>, <see cref="LoopOutput"/>), with no pipe and no pumping
/// task between them. A request is parsed, proxied and answered on the loop's thread.
/// </summary>
internal sealed class LoopConnection : ConnectionContext, IMemoryPoolFeature, IConnectionIdFeature, IConnectionTransportFeature,
    IConnectionItemsFeature, IConnectionEndPointFeature, IConnectionLifetimeFeature
{
    private static long s_lastId;

    private readonly LoopSocket _socket;
    private readonly LoopInput _input;
    private readonly LoopOutput _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _closedFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FeatureCollection _features = new();
    private int _closedFiring;
    private bool _socketClosed;
    private string? _id;
    private IDictionary<object, object?>? _items;

    public LoopConnection(LoopSocket socket, MemoryPool<byte> pool, IPEndPoint? local, IPEndPoint? remote)
    {
        _socket = socket;
        MemoryPool = pool;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        _input = new LoopInput(this, socket, pool);
        _output = new LoopOutput(this, socket, pool);
        Transport = new Duplex(_input, _output);
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

    /// <summary>Why the socket was closed, once it was (a graceful end of sending counts as an abort for the input). Loop thread.</summary>
    internal Exception? ShutdownReason { get; private set; }

    /// <summary>Starts watching the socket. Loop thread only.</summary>
    public void Start()
    {
        _socket.OnReadable = _input.OnReadable;
        _socket.Abandoned = () => Shutdown(new ConnectionAbortedException("the proxy's event loop stopped"));
    }

    public override void Abort(ConnectionAbortedException abortReason) =>
        _socket.Loop.Schedule(static s => { var (c, r) = ((LoopConnection, Exception))s!; c.Shutdown(r); }, ValueTuple.Create<LoopConnection, Exception>(this, abortReason));

    public override async ValueTask DisposeAsync()
    {
        Transport.Input.Complete();
        Transport.Output.Complete(); // closes the socket once what was written has gone out
        await _closedFired.Task.ConfigureAwait(false);
        _closed.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Closes the socket once, remembering why: a waiting read fails with the reason, flushes report completion, and
    /// <see cref="ConnectionClosed"/> fires. Loop thread only.
    /// </summary>
    internal void Shutdown(Exception? reason)
    {
        if (_socketClosed) return;
        _socketClosed = true;
        _socket.OnReadable = null;
        _socket.Abandoned = null;
        ShutdownReason = reason ?? new ConnectionAbortedException("the connection's sending side completed");
        _socket.Close();
        _input.OnClosed(ShutdownReason);
        _output.OnClosed();
        FireConnectionClosed();
    }

    /// <summary>
    /// Cancels <see cref="ConnectionClosed"/>, once, on the thread pool: its callbacks (Kestrel aborting the request)
    /// must not run on the loop. Called when the peer's FIN or an error was seen, or the socket closed.
    /// </summary>
    internal void FireConnectionClosed()
    {
        if (Interlocked.Exchange(ref _closedFiring, 1) != 0) return;
        ThreadPool.UnsafeQueueUserWorkItem(static c =>
        {
            c._closed.Cancel();
            c._closedFired.SetResult();
        }, this, preferLocal: false);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
