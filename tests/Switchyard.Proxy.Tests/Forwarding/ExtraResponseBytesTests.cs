using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>
/// Response splitting: bytes an upstream sends past the end of a response are no answer to the next request. The
/// connection they arrived on is not reused, so a forged second response never reaches another client.
/// </summary>
public sealed class ExtraResponseBytesTests
{
    [Fact]
    public async Task BytesPastTheResponse_ConnectionNotReused_NextRequestGetsItsOwnAnswer()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var connections = 0;
        var upstream = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                var first = Interlocked.Increment(ref connections) == 1;
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        while (await stream.ReadAsync(buffer, stop.Token) > 0)
                        {
                            // The first connection appends a whole forged response to its answer.
                            var answer = first
                                ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"
                                : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal";
                            await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), stop.Token);
                        }
                    }
                });
            }
        });
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("up") + Manifests.Service("up", port));
        using var client = Manifests.Client();
        async Task<string> GetAsync()
        {
            using var response = await client.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/"), stop.Token);
            return await response.Content.ReadAsStringAsync(stop.Token);
        }
        Assert.Equal("ok", await GetAsync());
        Assert.Equal("real", await GetAsync());
        Assert.Equal(2, Volatile.Read(ref connections));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upstream);
    }
}
