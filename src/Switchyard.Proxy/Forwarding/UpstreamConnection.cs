using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using Switchyard.Proxy.Transport;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// One HTTP/1.1 connection to an endpoint: the stream (a socket on the proxy's event loop, or a .NET socket), a pipe
/// writer for requests (a flush sends what was written in one go), a pipe reader for responses, and the stream under
/// both for tunnels.
/// </summary>
internal sealed class UpstreamConnection : IDisposable
{
    public UpstreamConnection(Socket socket)
        : this(new NetworkStream(socket, ownsSocket: true), loopSocket: null)
    {
    }

    public UpstreamConnection(LoopSocket socket)
        : this(new LoopStream(socket), socket)
    {
        _readableWhileIdle = ReadableWhileIdle; // one delegate per connection, not one per request
    }

    /// <summary>
    /// A TLS connection over <paramref name="socket"/>. Its idle socket is not watched: a TLS 1.3 server's session
    /// tickets arrive after the handshake and leave the socket readable, which would read as the peer closing it. A
    /// reused connection the endpoint closed meanwhile is caught as before the watch existed: a bodyless request is
    /// retried on a new connection.
    /// </summary>
    public UpstreamConnection(SslStream tls, LoopSocket socket)
        : this((Stream)tls, socket)
    {
    }

    /// <summary>A TLS connection over a .NET socket (the thread-pool transport).</summary>
    public UpstreamConnection(SslStream tls, Socket socket)
        : this(tls, loopSocket: null)
    {
        _socket = socket;
    }

    private UpstreamConnection(Stream stream, LoopSocket? loopSocket)
    {
        Stream = stream;
        _loopSocket = loopSocket;
        Reader = new UpstreamReader(Stream, bufferSize: 16 * 1024, maxBufferSize: 2 * ResponseHead.MaxHeadBytes);
        Writer = PipeWriter.Create(Stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    private static readonly OperationCanceledException Discarded = new("the upstream connection was closed");

    public Stream Stream { get; }

    /// <summary>The event loop the connection's socket belongs to; null on the .NET socket engine.</summary>
    public EventLoop? Loop => _loopSocket?.Loop;

    public UpstreamReader Reader { get; }

    public PipeWriter Writer { get; }

    /// <summary>The head of the response being read; reused for every response on this connection.</summary>
    public ResponseHead Head { get; } = new();

    /// <summary>False once the connection must not carry another request (close, error, unread body).</summary>
    public bool Reusable { get; set; } = true;

    /// <summary>Requests this connection has carried; a reused connection may have been closed by the peer meanwhile.</summary>
    public int Uses { get; set; }

    private const int InUse = 0, Idle = 1, ClosedIdle = 2;
    private int _state = InUse;
    private readonly LoopSocket? _loopSocket;
    private readonly Action? _readableWhileIdle; // null: the idle socket is not watched
    private readonly Socket? _socket;
    private Action<UpstreamConnection>? _closedWhileIdle;

    /// <summary>
    /// Marks the connection idle in a pool. On an event loop, the loop calls <paramref name="closedWhileIdle"/> (on its
    /// thread) if the socket turns readable before the connection is rented again: the peer closed it or sent bytes no
    /// request asked for, and either way it cannot carry a request.
    /// </summary>
    public void EnterIdle(Action<UpstreamConnection> closedWhileIdle)
    {
        _closedWhileIdle = closedWhileIdle;
        Volatile.Write(ref _state, Idle);
        if (_readableWhileIdle is not null) _loopSocket!.WatchWhileIdle(_readableWhileIdle);
    }

    private void ReadableWhileIdle()
    {
        if (Interlocked.CompareExchange(ref _state, ClosedIdle, Idle) == Idle) _closedWhileIdle?.Invoke(this);
    }

    /// <summary>Takes the connection out of idleness for a request; false when it was closed while idle.</summary>
    public bool TryLeaveIdle()
    {
        if (Interlocked.CompareExchange(ref _state, InUse, Idle) != Idle) return false;
        if (_readableWhileIdle is not null) _loopSocket!.StopWatching();
        return true;
    }

    /// <summary>
    /// True when the loop saw the endpoint close the connection (its FIN), even behind bytes it sent before (a TLS
    /// close_notify, session tickets): the check for TLS connections, whose idle sockets are not watched.
    /// </summary>
    public bool PeerClosed => _loopSocket?.HungUp == true;

    /// <summary>
    /// Sends FIN after what was written; the response side stays open (a tunnel's half-close). Over TLS, a close_notify
    /// alert goes first, so that the endpoint reads a clean end rather than a truncation.
    /// </summary>
    public async ValueTask ShutdownSendAsync()
    {
        if (Stream is SslStream tls) await tls.ShutdownAsync().ConfigureAwait(false);
        if (_loopSocket is not null) _loopSocket.ShutdownSend();
        else (_socket ?? ((NetworkStream)Stream).Socket).Shutdown(SocketShutdown.Send);
    }

    public void Dispose()
    {
        Reusable = false;
        Reader.Complete();
        Writer.Complete(Discarded); // with an error, the writer drops what a failed request left unsent instead of writing it now
        Stream.Dispose();
    }
}
