using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Proxy.Forwarding;

/// <summary>Connection-pool settings, copied when the proxy starts.</summary>
internal sealed record ConnectionPoolOptions
{
    /// <summary>Idle keep-alive connections kept per endpoint. Default 64.</summary>
    public int MaxIdlePerEndpoint { get; init; } = 64;

    /// <summary>Time allowed for a TCP connect. Default 5s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Connection-pool layer: idle HTTP/1.1 keep-alive connections to one endpoint, most recently used first.
/// A drained pool (endpoint left the snapshot) closes connections as they come back and opens no new ones
/// from the pool's idle set.
/// </summary>
internal sealed class ConnectionPool(IPEndPoint address, ConnectionPoolOptions options)
{
    private readonly ConcurrentStack<UpstreamConnection> _idle = new();
    private int _idleCount;
    private volatile bool _draining;

    public IPEndPoint Address => address;

    public int IdleCount => Volatile.Read(ref _idleCount);

    public bool Draining => _draining;

    /// <summary>An idle pooled connection, or null when there is none.</summary>
    public UpstreamConnection? TryRentIdle()
    {
        if (_idle.TryPop(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            return connection;
        }
        return null;
    }

    /// <summary>Opens a new connection (no pooling); throws <see cref="SocketException"/> or <see cref="OperationCanceledException"/>.</summary>
    public async ValueTask<UpstreamConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(address, timeout.Token).ConfigureAwait(false);
            return new UpstreamConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Return(UpstreamConnection connection)
    {
        if (_draining || !connection.Reusable || Volatile.Read(ref _idleCount) >= options.MaxIdlePerEndpoint)
        {
            connection.Dispose();
            return;
        }
        Interlocked.Increment(ref _idleCount);
        _idle.Push(connection);
    }

    public void Drain()
    {
        _draining = true;
        while (_idle.TryPop(out var c))
        {
            Interlocked.Decrement(ref _idleCount);
            c.Dispose();
        }
    }

    public void Undrain() => _draining = false;
}
