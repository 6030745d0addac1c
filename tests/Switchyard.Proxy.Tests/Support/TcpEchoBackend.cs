using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// A raw TCP backend on 127.0.0.1:0, no HTTP: it greets each connection with its name and a newline, echoes every byte
/// it receives, and only when the client has ended its side (FIN), 200 ms later, writes "bye from NAME\n" and closes. A client that
/// half-closes and still reads that line shows the FIN went through and the answer came back. Behind the gateway's
/// TCPRoutes and the node proxy's Services.
/// </summary>
internal sealed class TcpEchoBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _sockets = [];
    private readonly Task _loop;
    private int _connections;

    public TcpEchoBackend(string name)
    {
        Name = name;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptAsync);
    }

    public string Name { get; }
    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync();
                Interlocked.Increment(ref _connections);
                lock (_sockets) _sockets.Add(socket);
                _ = Task.Run(() => ServeAsync(socket));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(Name + "\n"));
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0) await socket.SendAsync(buffer.AsMemory(0, n));
            await Task.Delay(200); // well after the FIN: a relay that stopped on it has nothing left to carry this
            await socket.SendAsync(Encoding.ASCII.GetBytes($"bye from {Name}\n"));
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
        lock (_sockets) foreach (var s in _sockets) s.Dispose();
    }
}

/// <summary>One client connection to a TCP listener, read as ASCII, with a bound on every wait.</summary>
internal sealed class TcpClientConnection : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly StringBuilder _received = new();
    private readonly byte[] _buffer = new byte[4096];

    public static async Task<TcpClientConnection> OpenAsync(IPEndPoint gateway)
    {
        var c = new TcpClientConnection();
        await c._socket.ConnectAsync(gateway);
        return c;
    }

    public Task SendAsync(string text) => _socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Ends the sending side (FIN); the connection stays open for reading.</summary>
    public void EndSending() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads until everything received so far contains <paramref name="text"/>; what was received, or null when the connection closed or 10 s passed first.</summary>
    public async Task<string?> ReadUntilAsync(string text)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (!_received.ToString().Contains(text, StringComparison.Ordinal))
            {
                var n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, limit.Token);
                if (n == 0) return null;
                _received.Append(Encoding.ASCII.GetString(_buffer, 0, n));
            }
            return _received.ToString();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Reads until the other side closes (true) or 10 s pass (false); what arrived is in <see cref="Received"/>.</summary>
    public async Task<bool> ReadToEndAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            int n;
            while ((n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, limit.Token)) > 0) _received.Append(Encoding.ASCII.GetString(_buffer, 0, n));
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // reset: closed too
        }
    }

    public string Received => _received.ToString();

    public void Dispose() => _socket.Dispose();
}
