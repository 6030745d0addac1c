using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// A UDP backend on 127.0.0.1:0: it answers every datagram with its name, a colon and the datagram's bytes
/// ("a:ping"), to the address the datagram came from, and remembers those addresses. Behind the gateway's UDPRoutes:
/// each gateway session is one source address, so <see cref="Peers"/> counts sessions.
/// </summary>
internal sealed class UdpEchoBackend : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly ConcurrentDictionary<IPEndPoint, int> _peers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _datagrams;

    public UdpEchoBackend(string name)
    {
        Name = name;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _loop = Task.Run(ServeAsync);
    }

    public string Name { get; }
    public int Port { get; }

    /// <summary>Datagrams received so far.</summary>
    public int Datagrams => Volatile.Read(ref _datagrams);

    /// <summary>The source addresses (gateway sessions) datagrams came from so far.</summary>
    public int Peers => _peers.Count;

    private async Task ServeAsync()
    {
        var buffer = new byte[65_535];
        var prefix = Encoding.ASCII.GetBytes(Name + ":");
        var reply = new byte[prefix.Length + buffer.Length];
        prefix.CopyTo(reply, 0);
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                Interlocked.Increment(ref _datagrams);
                var peer = (IPEndPoint)r.RemoteEndPoint;
                _peers.TryAdd(peer, 0);
                buffer.AsSpan(0, r.ReceivedBytes).CopyTo(reply.AsSpan(prefix.Length));
                await _socket.SendToAsync(reply.AsMemory(0, prefix.Length + r.ReceivedBytes), SocketFlags.None, peer, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>A UDP client socket on 127.0.0.1:0 connected to a gateway listener: sends text datagrams and reads the answers.</summary>
internal sealed class UdpTestClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly byte[] _buffer = new byte[65_535];

    public UdpTestClient(IPEndPoint gateway)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Connect(gateway);
    }

    public IPEndPoint Local => (IPEndPoint)_socket.LocalEndPoint!;

    public Task SendAsync(string text) => _socket.SendAsync(Encoding.ASCII.GetBytes(text));

    public Task SendAsync(byte[] bytes) => _socket.SendAsync(bytes);

    /// <summary>The next datagram as text; fails the test when none comes within 20 s (a hang guard, not a timing assertion).</summary>
    public async Task<string> ReceiveAsync()
    {
        var buffer = _buffer;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"no datagram came back to {Local}");
            throw;
        }
    }

    /// <summary>Sends <paramref name="text"/> and returns the answer.</summary>
    public async Task<string> AskAsync(string text)
    {
        await SendAsync(text);
        return await ReceiveAsync();
    }

    public void Dispose() => _socket.Dispose();
}
