using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// A backend that expects the PROXY protocol, written independently of the proxy's reader: per accepted connection it
/// records the header (v1 as its text line, v2 as hex), then answers each HTTP/1.1 request (heads only) with 200 and
/// a body naming the header, keeping the connection alive; with <see cref="RawAfterHeader"/> it records the bytes
/// after the header instead of answering (a TLS ClientHello).
/// </summary>
internal sealed class ProxyProtocolBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly List<Socket> _sockets = [];
    private readonly Task _loop;

    public ProxyProtocolBackend(IPAddress address)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public bool RawAfterHeader { get; init; }

    /// <summary>The header of each connection accepted so far, in order.</summary>
    public List<string> Headers { get; } = [];

    /// <summary>Bytes received after the header (with <see cref="RawAfterHeader"/>).</summary>
    public List<byte[]> After { get; } = [];

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync();
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
            var buffer = new List<byte>();
            var chunk = new byte[4096];
            async Task<bool> More()
            {
                var n = await socket.ReceiveAsync(chunk);
                buffer.AddRange(chunk.AsSpan(0, n));
                return n > 0;
            }
            string header;
            while (true)
            {
                if (buffer.Count >= 16 && buffer[0] == 0x0D && buffer.Count >= 16 + ((buffer[14] << 8) | buffer[15]))
                {
                    var length = 16 + ((buffer[14] << 8) | buffer[15]);
                    header = Convert.ToHexString([.. buffer.Take(length)]);
                    buffer.RemoveRange(0, length);
                    break;
                }
                var lf = buffer.IndexOf((byte)'\n');
                if (buffer.Count > 0 && buffer[0] == (byte)'P' && lf > 0)
                {
                    header = Encoding.ASCII.GetString([.. buffer.Take(lf - 1)]);
                    buffer.RemoveRange(0, lf + 1);
                    break;
                }
                if (!await More()) return;
            }
            lock (Headers) Headers.Add(header);
            if (RawAfterHeader)
            {
                while (buffer.Count < 5 && await More())
                {
                }
                lock (After) After.Add([.. buffer]);
                return;
            }
            while (true)
            {
                int end;
                while ((end = Encoding.ASCII.GetString([.. buffer]).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                {
                    if (!await More()) return;
                }
                buffer.RemoveRange(0, end + 4);
                var body = Encoding.ASCII.GetBytes(header);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n").Concat(body).ToArray());
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The v2 header hex for a TCP over IPv4 PROXY command from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static string V2Hex(IPEndPoint source, IPEndPoint destination) => Convert.ToHexString(ProxyProtocolClient.V2(source, destination));

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
        lock (_sockets) foreach (var s in _sockets) s.Dispose();
    }
}
