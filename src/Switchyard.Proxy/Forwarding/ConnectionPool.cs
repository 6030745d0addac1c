using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Transport;

namespace Switchyard.Proxy.Forwarding;

/// <summary>Connection-pool settings, copied when the proxy starts.</summary>
internal sealed record ConnectionPoolOptions
{
    /// <summary>Idle keep-alive connections kept per upstream address (one pool, shared by the Services that reach it). Default 64.</summary>
    public int MaxIdlePerEndpoint { get; init; } = 64;

    /// <summary>Time allowed for a TCP connect. Default 5s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The proxy's event loops, when its sockets run on them; null for the .NET socket engine.</summary>
    public EventLoopGroup? Loops { get; init; }
}

/// <summary>
/// Connection-pool layer: idle HTTP/1.1 keep-alive connections to one endpoint, most recently used first. On the
/// proxy's event loops, each loop keeps its own idle set, so a request reuses a connection of the loop it runs on and
/// both of its legs stay on one thread. A drained pool (endpoint left the snapshot) closes connections as they come
/// back and opens no new ones from the pool's idle set.
/// </summary>
internal sealed class ConnectionPool
{
    private readonly IPEndPoint _address;
    private readonly ConnectionPoolOptions _options;
    private readonly ConcurrentStack<UpstreamConnection>[] _idle;
    private readonly Action<UpstreamConnection> _closedWhileIdle;
    private int _idleCount;
    private volatile bool _draining;

    private readonly UpstreamTls? _tls;

    /// <param name="tls">TLS to the endpoint (BackendTLSPolicy); null for cleartext.</param>
    /// <param name="proxyProtocol">
    /// The PROXY protocol header each new connection starts with (Service annotation lb.switchyard.dev/proxy-protocol).
    /// Such connections carry one client's address, so they are never put in the shared idle set: they are reused only
    /// by requests of the client connection that opened them (see <see cref="ClientBoundConnections"/>).
    /// </param>
    public ConnectionPool(IPEndPoint address, ConnectionPoolOptions options, UpstreamTls? tls = null, ProxyProtocolVersion proxyProtocol = default)
    {
        _address = address;
        _options = options;
        _tls = tls;
        ProxyProtocol = proxyProtocol;
        _idle = new ConcurrentStack<UpstreamConnection>[options.Loops?.Count ?? 1];
        for (var i = 0; i < _idle.Length; i++) _idle[i] = new();
        _closedWhileIdle = ClosedWhileIdle; // one delegate, not one per returned connection
    }

    public IPEndPoint Address => _address;

    public int IdleCount => Volatile.Read(ref _idleCount);

    public bool Draining => _draining;

    /// <summary>True when an idle connection's endpoint closed it and no rent has taken it out yet (for tests and diagnostics).</summary>
    internal bool HasIdleClosedByPeer => _idle.Any(set => set.Any(c => c.PeerClosed));

    /// <summary>
    /// An idle pooled connection, or null when there is none: on a loop, one of that loop's; off the loops (a request
    /// resumed by a timer, an HTTP/2 stream), one of any loop's, whose socket operations are then posted to it.
    /// </summary>
    public UpstreamConnection? TryRentIdle()
    {
        var current = EventLoop.Current;
        if (_options.Loops is not { } loops || loops.Owns(current)) return Pop(_idle[IdleSetOf(current)]);
        foreach (var set in _idle)
        {
            if (Pop(set) is { } connection) return connection;
        }
        return null;
    }

    private UpstreamConnection? Pop(ConcurrentStack<UpstreamConnection> set)
    {
        while (set.TryPop(out var connection))
        {
            if (!connection.TryLeaveIdle()) continue; // closed while idle: already counted out
            Interlocked.Decrement(ref _idleCount);
            if (connection.PeerClosed)
            {
                connection.Dispose(); // a TLS connection the endpoint closed while idle
                continue;
            }
            return connection;
        }
        return null;
    }

    /// <summary>The endpoint's TLS settings; null for cleartext.</summary>
    public UpstreamTls? Tls => _tls;

    /// <summary>The PROXY protocol header new connections start with; None for most endpoints.</summary>
    public ProxyProtocolVersion ProxyProtocol { get; }

    /// <summary>
    /// Opens a new connection (no pooling), with its TLS handshake when the endpoint has TLS; the connect timeout covers
    /// both. Throws <see cref="SocketException"/>, <see cref="OperationCanceledException"/>, or
    /// <see cref="System.Security.Authentication.AuthenticationException"/> when the handshake or the certificate fails.
    /// </summary>
    /// <param name="proxyHeader">The PROXY protocol header to send first, before TLS (empty: none).</param>
    public ValueTask<UpstreamConnection> ConnectAsync(CancellationToken cancellationToken, ReadOnlyMemory<byte> proxyHeader = default) =>
        ConnectAsync(_tls is null ? null : SslApplicationProtocol.Http11, proxyHeader, cancellationToken);

    /// <summary>
    /// A new connection for bytes that are not HTTP (TLSRoutes): the endpoint's TLS, without ALPN, only when
    /// <paramref name="tls"/> is true; false for TLS passthrough, whose bytes are the client's own TLS.
    /// </summary>
    public ValueTask<UpstreamConnection> ConnectRawAsync(bool tls, CancellationToken cancellationToken, ReadOnlyMemory<byte> proxyHeader = default) =>
        ConnectAsync(tls && _tls is not null ? default(SslApplicationProtocol) : null, proxyHeader, cancellationToken);

    /// <param name="alpn">Null: cleartext; otherwise TLS offering this protocol (default: offer none).</param>
    /// <param name="proxyHeader">Sent right after the TCP connect, before the TLS handshake; empty: nothing.</param>
    private async ValueTask<UpstreamConnection> ConnectAsync(SslApplicationProtocol? alpn, ReadOnlyMemory<byte> proxyHeader, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        if (_options.Loops is { } loops)
        {
            var connected = await LoopSocket.ConnectAsync(loops.CurrentOrNext(), _address, timeout.Token).ConfigureAwait(false);
            if (!proxyHeader.IsEmpty)
            {
                try
                {
                    await connected.SendAsync(proxyHeader, timeout.Token).ConfigureAwait(false);
                }
                catch
                {
                    connected.Close();
                    throw;
                }
            }
            if (alpn is not { } protocol) return new UpstreamConnection(connected);
            return new UpstreamConnection(await HandshakeAsync(new LoopStream(connected), protocol, timeout.Token).ConfigureAwait(false), connected);
        }
        var socket = new Socket(_address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_address, timeout.Token).ConfigureAwait(false);
            if (!proxyHeader.IsEmpty) await socket.SendAsync(proxyHeader, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (alpn is not { } protocol) return new UpstreamConnection(socket);
            return new UpstreamConnection(await HandshakeAsync(new NetworkStream(socket, ownsSocket: true), protocol, timeout.Token).ConfigureAwait(false), socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<SslStream> HandshakeAsync(Stream transport, SslApplicationProtocol alpn, CancellationToken cancellationToken)
    {
        var tls = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            await _tls!.AuthenticateAsync(tls, alpn, cancellationToken).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Return(UpstreamConnection connection)
    {
        if (_draining || !connection.Reusable || Volatile.Read(ref _idleCount) >= _options.MaxIdlePerEndpoint)
        {
            connection.Dispose();
            return;
        }
        // Idle before it is pushed: a rent that pops it at once must find it idle, or it would drop it uncounted.
        // A close seen between the two counts it out, and the rent that reaches it skips it.
        Interlocked.Increment(ref _idleCount);
        connection.EnterIdle(_closedWhileIdle);
        _idle[IdleSetOf(connection.Loop)].Push(connection);
        if (_draining) Drain(); // a drain that ran since the check above would have missed it
    }

    /// <summary>
    /// The endpoint closed (or wrote to) a connection nobody was using, as upstreams do at their keep-alive timeout:
    /// it leaves the count now and the idle set when a rent reaches it, so no request is sent into it.
    /// </summary>
    private void ClosedWhileIdle(UpstreamConnection connection)
    {
        Interlocked.Decrement(ref _idleCount);
        connection.Dispose();
    }

    public void Drain()
    {
        _draining = true;
        Interlocked.MemoryBarrier(); // the flag before the pops: a Return that pushed after them sees it (and drains again)
        foreach (var set in _idle)
        {
            while (set.TryPop(out var c))
            {
                if (!c.TryLeaveIdle()) continue;
                Interlocked.Decrement(ref _idleCount);
                c.Dispose();
            }
        }
    }

    private int IdleSetOf(EventLoop? loop) => loop is not null && loop.Index < _idle.Length ? loop.Index : 0;
}
