using System.Net;
using System.Net.Sockets;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>A TCP server on 127.0.0.1:0 that accepts connections and never answers (a stalled backend below HTTP).</summary>
internal sealed class SilentListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly Task _loop;

    public SilentListener()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var s = await _listener.AcceptSocketAsync();
                    lock (_held) _held.Add(s);
                }
            }
            catch (Exception)
            {
            }
        });
    }

    public int Port { get; }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
        lock (_held) foreach (var s in _held) s.Dispose();
    }
}
