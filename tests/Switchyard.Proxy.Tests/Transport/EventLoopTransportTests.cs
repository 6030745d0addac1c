using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Transport;

/// <summary>
/// The proxy's two I/O models end to end over loopback: a response far larger than the socket buffers reaching a
/// client that reads slowly (partial sends, a flush waiting for the socket), uploads through the connection's reader
/// and the upstream's writer, and every socket closed when the proxy stops.
/// </summary>
public sealed class EventLoopTransportTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        new Random(11).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(ProxyIo.EventLoop)]
    [InlineData(ProxyIo.ThreadPool)]
    public async Task LargeResponse_ToAClientThatReadsSlowly_ArrivesWhole(ProxyIo io)
    {
        var body = Pattern(6 << 20);
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, async context =>
        {
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("s") + Manifests.Service("s", backend.Port), new ProxyOptions { Io = io });

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await client.ConnectAsync(IPAddress.Loopback, Manifests.Port(proxy));
        await client.SendAsync("GET /big HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"u8.ToArray());
        var received = new MemoryStream();
        var chunk = new byte[32 * 1024];
        int n;
        using var deadline = new CancellationTokenSource(Deadline);
        while ((n = await client.ReceiveAsync(chunk, SocketFlags.None, deadline.Token)) > 0)
        {
            received.Write(chunk, 0, n);
            if (received.Length < 1 << 20) await Task.Delay(2); // the first megabyte slowly: the proxy's sends fill the socket and wait
        }
        var all = received.ToArray();
        var headEnd = all.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(headEnd > 0, "no response head");
        Assert.StartsWith("HTTP/1.1 200 ", Encoding.ASCII.GetString(all, 0, headEnd), StringComparison.Ordinal);
        Assert.Equal(body.Length, all.Length - headEnd - 4);
        Assert.True(body.AsSpan().SequenceEqual(all.AsSpan(headEnd + 4)), "the body arrived changed");
    }

    [Theory]
    [InlineData(ProxyIo.EventLoop)]
    [InlineData(ProxyIo.ThreadPool)]
    public async Task LargeUpload_ReachesTheBackendWhole_AndItsAnswerComesBack(ProxyIo io)
    {
        var body = Pattern(3 << 20);
        await using var backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, async context =>
        {
            var copy = new MemoryStream();
            await context.Request.Body.CopyToAsync(copy);
            await context.Response.WriteAsync(copy.ToArray().AsSpan().SequenceEqual(body) ? "same" : $"different: {copy.Length} bytes");
        });
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("s") + Manifests.Service("s", backend.Port), new ProxyOptions { Io = io });
        using var http = Manifests.Client();
        using var request = Manifests.Request(Manifests.Port(proxy), "a.test", "POST", "/upload");
        request.Content = new ByteArrayContent(body);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("same", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StoppingTheProxy_ClosesClientAndUpstreamConnections()
    {
        await using var backend = new CountingBackend();
        var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("s") + Manifests.Service("s", backend.Port));
        var port = Manifests.Port(proxy);
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                await client.ConnectAsync(IPAddress.Loopback, port);
                await client.SendAsync("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"u8.ToArray());
                var answer = await ReadHeadAsync(client);
                Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
            }
            Assert.True(backend.Open > 0, "no upstream connection is open while clients keep theirs");
            await proxy.DisposeAsync();
            foreach (var client in clients)
            {
                using var deadline = new CancellationTokenSource(Deadline);
                try
                {
                    Assert.Equal(0, await client.ReceiveAsync(new byte[64], SocketFlags.None, deadline.Token));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    // closed with unread bytes: a reset is a close too
                }
            }
            await Wait.UntilAsync(() => backend.Open == 0, $"the proxy's upstream connections closing ({backend.Open} still open)");
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            await proxy.DisposeAsync();
        }
    }

    [Fact]
    public async Task UpstreamClosesAnIdleConnection_ItLeavesThePool_AndAPostGoesOnANewOne()
    {
        await using var backend = new CountingBackend { CloseAfterFirstAnswer = true };
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("s") + Manifests.Service("s", backend.Port));
        using var http = Manifests.Client();
        using (var first = await http.SendAsync(Manifests.Request(Manifests.Port(proxy), "a.test", "GET", "/")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        var pool = proxy.Runtime.Endpoints.All.Single().Pool;
        // The backend closes its side after answering, as at a keep-alive timeout: the loop sees it and drops the connection.
        // First the backend's close (50 ms after the answer): before it, an idle count of 0 could be the moment between
        // the answer reaching the client and the connection going back to the pool, and the POST would take it.
        await Wait.UntilAsync(() => backend.Open == 0, "the backend closing its connection");
        await Wait.UntilAsync(() => pool.IdleCount == 0, "the closed idle connection leaving the pool");
        using var post = Manifests.Request(Manifests.Port(proxy), "a.test", "POST", "/");
        post.Content = new StringContent("a body cannot be replayed on another connection");
        using var second = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, backend.Accepted);
    }

    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        using var deadline = new CancellationTokenSource(Deadline);
        while (!text.ToString().Contains("\r\n\r\nok", StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (n == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    /// <summary>A keep-alive backend answering every request head with "ok", counting its open connections.</summary>
    private sealed class CountingBackend : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _open;
        private int _accepted;

        public CountingBackend()
        {
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Open => Volatile.Read(ref _open);

        public int Accepted => Volatile.Read(ref _accepted);

        /// <summary>Close each connection 50 ms after its first answer (a short keep-alive timeout).</summary>
        public bool CloseAfterFirstAnswer { get; init; }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    Interlocked.Increment(ref _open);
                    Interlocked.Increment(ref _accepted);
                    _ = ServeAsync(socket);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task ServeAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[8192];
                var pending = "";
                try
                {
                    int n;
                    while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                    {
                        pending += Encoding.ASCII.GetString(buffer, 0, n);
                        int end;
                        while ((end = pending.IndexOf("\r\n\r\n", StringComparison.Ordinal)) >= 0)
                        {
                            pending = pending[(end + 4)..];
                            await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), SocketFlags.None, _stop.Token);
                            if (CloseAfterFirstAnswer)
                            {
                                await Task.Delay(50, _stop.Token);
                                return;
                            }
                        }
                    }
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                }
                finally
                {
                    Interlocked.Decrement(ref _open);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }
}
