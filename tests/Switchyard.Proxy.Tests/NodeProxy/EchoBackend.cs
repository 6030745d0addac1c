using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.NodeProxy;

/// <summary>A TCP backend on 127.0.0.1:0 that greets with its name and a newline, then echoes what it receives.</summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public EchoBackend(string name)
    {
        Name = name;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public string Name { get; }
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    try
                    {
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(Name + "\n"));
                        var buffer = new byte[4096];
                        int n;
                        while ((n = await stream.ReadAsync(buffer, _stop.Token)) > 0) await stream.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                    }
                    catch (Exception)
                    {
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
        }
    }
}
