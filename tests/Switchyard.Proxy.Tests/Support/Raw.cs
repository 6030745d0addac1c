using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// Sends exact bytes over TCP and reads until the server closes or goes quiet (for header hygiene and smuggling cases):
/// up to 20 s for the answer's head (a loaded machine may be slow to give one), then 1 s of quiet after it.
/// </summary>
internal static class Raw
{
    public static async Task<string> SendAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[65536];
        var total = new StringBuilder();
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token);
                if (n == 0) break;
                total.Append(Encoding.ASCII.GetString(buffer, 0, n));
                if (total.ToString().Contains("\r\n\r\n", StringComparison.Ordinal)) quiet.CancelAfter(TimeSpan.FromSeconds(1));
            }
        }
        catch (OperationCanceledException)
        {
        }
        return total.ToString();
    }
}
