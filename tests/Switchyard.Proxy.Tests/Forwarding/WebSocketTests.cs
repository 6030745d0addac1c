using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>WebSocket upgrade through the proxy: ClientWebSocket to a Kestrel echo backend, messages both ways, then a clean close.</summary>
public sealed class WebSocketTests : IAsyncLifetime
{
    private KestrelBackend _backend = null!;
    private GatewayProxy _proxy = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _backend = await KestrelBackend.StartAsync(HttpProtocols.Http1, EchoAsync, webSockets: true);
        _proxy = await Manifests.StartAsync(GatewayYaml.AllTo("ws") + Manifests.Service("ws", _backend.Port));
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
    }

    /// <summary>Greets first (server → client), then answers every text message with "echo: " + it until the client closes.</summary>
    private static async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }
        context.Response.Headers["x-backend"] = "ws";
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                return;
            }
            await socket.SendAsync(Encoding.UTF8.GetBytes("echo: " + Encoding.UTF8.GetString(buffer, 0, received.Count)), WebSocketMessageType.Text, true, CancellationToken.None);
        }
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, cancellationToken);
        Assert.Equal(WebSocketMessageType.Text, received.MessageType);
        Assert.True(received.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    [Fact]
    public async Task WebSocket_ThroughProxy_MessagesBothWaysThenClose()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_port}/chat"), timeout.Token);
        Assert.Equal(101, (int)socket.HttpStatusCode);
        Assert.Equal("ws", socket.HttpResponseHeaders!["x-backend"].Single());

        Assert.Equal("hello", await ReceiveTextAsync(socket, timeout.Token));
        foreach (var text in new[] { "one", "two", new string('x', 3000) })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
            Assert.Equal("echo: " + text, await ReceiveTextAsync(socket, timeout.Token));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("bye", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task WebSocketOverHttp2_ExtendedConnect_BridgedToTheHttp1Upgrade()
    {
        // RFC 8441: the client opens the WebSocket as an HTTP/2 extended CONNECT stream (here over cleartext, prior
        // knowledge); the upstream only speaks HTTP/1.1 and gets the RFC 6455 upgrade, with a key of the proxy's.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        using var invoker = new System.Net.Http.HttpMessageInvoker(new System.Net.Http.SocketsHttpHandler());
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_port}/chat"), invoker, timeout.Token);
        Assert.Equal(200, (int)socket.HttpStatusCode); // HTTP/2 accepts a WebSocket with 200, not 101
        Assert.Equal("ws", socket.HttpResponseHeaders!["x-backend"].Single());

        Assert.Equal("hello", await ReceiveTextAsync(socket, timeout.Token));
        foreach (var text in new[] { "over h2", new string('y', 3000) })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
            Assert.Equal("echo: " + text, await ReceiveTextAsync(socket, timeout.Token));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal((WebSocketState.Closed, "bye"), (socket.State, socket.CloseStatusDescription));
    }

    [Fact]
    public async Task Http2ExtendedConnect_OtherProtocol_501BeforeAnyBackend()
    {
        // RFC 8441 lets a client name any :protocol; the gateway bridges only websocket. The others are refused at the
        // listener, so they never reach the backend nor count as its failures (five would eject a healthy endpoint).
        using var client = new System.Net.Http.HttpClient(new System.Net.Http.SocketsHttpHandler());
        for (var i = 0; i < 6; i++)
        {
            using var request = new System.Net.Http.HttpRequestMessage(System.Net.Http.HttpMethod.Connect, $"http://127.0.0.1:{_port}/chat")
            {
                Version = System.Net.HttpVersion.Version20,
                VersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact,
            };
            request.Headers.Protocol = "not-websocket";
            using var response = await client.SendAsync(request);
            Assert.Equal(501, (int)response.StatusCode);
            Assert.Equal("listener: extended CONNECT for 'not-websocket' is not supported: only websocket (RFC 8441)",
                response.Headers.GetValues(RequestHandler.ErrorHeader).Single());
        }
    }

    [Fact]
    public void WebSocketAccept_Rfc6455Example() =>
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Switchyard.Proxy.Forwarding.Http1Forwarder.WebSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="));

    [Theory]
    // A 101 that does not prove the upstream read the proxy's Sec-WebSocket-Key is not bridged.
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSByaWdodCBvbmU=\r\n\r\n", 502)]
    // A 2xx of the upstream's own: it did not switch protocols (Kestrel would also refuse a CONNECT's 2xx with a body).
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 502)]
    // A refusal reaches the client as the upstream sent it.
    [InlineData("HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno", 403)]
    public async Task WebSocketOverHttp2_UpstreamDoesNotSwitch_NotBridged(string answer, int status)
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var upstream = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer) == 1) head.Append((char)buffer[0]);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
            return head.ToString();
        });
        await using var proxy = await Manifests.StartAsync(GatewayYaml.AllTo("raw") + Manifests.Service("raw", port));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = System.Net.Http.HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        using var invoker = new System.Net.Http.HttpMessageInvoker(new System.Net.Http.SocketsHttpHandler());
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Manifests.Port(proxy)}/chat"), invoker, timeout.Token));
        Assert.Equal(status, (int)socket.HttpStatusCode);
        var request = await upstream.WaitAsync(timeout.Token);
        Assert.StartsWith("GET /chat HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains("Upgrade: websocket\r\n", request, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Key: ", request, StringComparison.Ordinal);
    }
}
