using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>
/// Upstream HTTP/2 cleartext for Services whose port says appProtocol h2c or grpc: a Kestrel backend that speaks
/// only HTTP/2, and a gRPC-style exchange (length-prefixed messages, <c>grpc-status</c> in trailers) through the
/// proxy from an HTTP/2 client.
/// </summary>
public sealed class Http2UpstreamTests : IAsyncLifetime
{
    private KestrelBackend _backend = null!;
    private GatewayProxy _proxy = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _backend = await KestrelBackend.StartAsync(HttpProtocols.Http2, HandleAsync);
        _proxy = await Manifests.StartAsync(GatewayYaml.AllTo("h2") + $$$"""
            apiVersion: v1
            kind: Service
            metadata: {name: h2, namespace: default}
            spec: {ports: [{name: grpc, port: 80, appProtocol: kubernetes.io/h2c}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: h2-1, namespace: default, labels: {kubernetes.io/service-name: h2}}
            addressType: IPv4
            ports: [{name: grpc, port: {{{_backend.Port}}}}]
            endpoints: [{addresses: ["127.0.0.1"]}]
            ---

            """);
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path == "/echo.Echo/Chat")
        {
            await ChatAsync(context);
            return;
        }
        var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var response = context.Response;
        if (request.Path == "/echo.Echo/Say")
        {
            var name = Encoding.UTF8.GetString(Unframe(body.ToArray()));
            response.ContentType = "application/grpc";
            response.Headers["x-te"] = request.Headers.TE.ToString();
            await response.Body.WriteAsync(Frame(Encoding.UTF8.GetBytes("hello " + name)));
            response.AppendTrailer("grpc-status", name == "missing" ? "5" : "0");
            if (name == "missing") response.AppendTrailer("grpc-message", "no such name");
            return;
        }
        response.Headers["x-proto"] = request.Protocol;
        response.Headers["x-host"] = request.Host.Value;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body.ToArray());
    }

    /// <summary>A bidirectional streaming call: each message is answered as soon as it arrives, while the client still sends.</summary>
    private static async Task ChatAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "application/grpc";
        await response.StartAsync();
        var reader = context.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync();
            var buffer = read.Buffer;
            while (buffer.Length >= 5)
            {
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(buffer.Slice(1, 4).ToArray());
                if (buffer.Length < 5 + length) break;
                var message = Encoding.UTF8.GetString(buffer.Slice(5, length));
                buffer = buffer.Slice(5 + length);
                await response.Body.WriteAsync(Frame(Encoding.UTF8.GetBytes("echo " + message)));
                await response.Body.FlushAsync();
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted) break;
        }
        response.AppendTrailer("grpc-status", "0");
    }

    /// <summary>A gRPC length-prefixed message: uncompressed flag, 4-byte big-endian length, payload.</summary>
    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private static byte[] Unframe(byte[] frame)
    {
        Assert.True(frame.Length >= 5, "gRPC frame too short");
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1));
        Assert.Equal(frame.Length - 5, length);
        return frame[5..];
    }

    [Fact]
    public async Task H2cBackend_Http11Client_IsForwardedOverHttp2()
    {
        using var client = Manifests.Client();
        using var request = Manifests.Request(_port, "shop.test", "POST", "/upload?x=1");
        request.Content = new StringContent("payload");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HTTP/2", response.Headers.GetValues("x-proto").Single());
        Assert.Equal("shop.test", response.Headers.GetValues("x-host").Single());
        Assert.Equal(7, response.Content.Headers.ContentLength);
        Assert.Equal("payload", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("world", "0", null)]
    [InlineData("missing", "5", "no such name")]
    public async Task Grpc_UnaryCallOverH2c_TrailersPassThrough(string name, string grpcStatus, string? grpcMessage)
    {
        using var client = Manifests.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_port}/echo.Echo/Say")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(Frame(Encoding.UTF8.GetBytes(name))),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("trailers", response.Headers.GetValues("x-te").Single());
        var message = Unframe(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("hello " + name, Encoding.UTF8.GetString(message));
        Assert.Equal(grpcStatus, response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.Equal(grpcMessage, response.TrailingHeaders.TryGetValues("grpc-message", out var m) ? m.Single() : null);
    }

    private static readonly Marshaller<string> Utf8 = Marshallers.Create(Encoding.UTF8.GetBytes, Encoding.UTF8.GetString);
    private static readonly Method<string, string> Say = new(MethodType.Unary, "echo.Echo", "Say", Utf8, Utf8);

    [Fact]
    public async Task GrpcNetClient_UnaryCall_ThroughProxy()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20));
        Assert.Equal("hello grpc", await invoker.AsyncUnaryCall(Say, null, options, "grpc"));
        var failure = await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(Say, null, options, "missing"));
        Assert.Equal(StatusCode.NotFound, failure.StatusCode);
        Assert.Equal("no such name", failure.Status.Detail);
    }

    private static readonly Method<string, string> Chat = new(MethodType.DuplexStreaming, "echo.Echo", "Chat", Utf8, Utf8);

    [Fact]
    public async Task ClientBodyBreaks_400_NotCountedAgainstTheEndpoint()
    {
        // A chunk size that is not hex: the client's fault, answered as Kestrel rates it, not a 502 from the upstream.
        var answer = await Raw.SendAsync(_port, "POST /upload HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("listener: request body: ", answer, StringComparison.Ordinal);
        Assert.Equal(0, _proxy.Runtime.Metrics.Ejections);
    }

    [Fact]
    public async Task GrpcNetClient_BidirectionalStreaming_EachAnswerArrivesBeforeTheNextMessageIsSent()
    {
        // A proxy that sent the upstream request only once the client finished sending would never deliver the first answer.
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(Chat, null, new CallOptions(cancellationToken: deadline.Token));
        foreach (var message in new[] { "one", "two", "three" })
        {
            await call.RequestStream.WriteAsync(message, deadline.Token);
            Assert.True(await call.ResponseStream.MoveNext(deadline.Token));
            Assert.Equal("echo " + message, call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(deadline.Token));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData("kubernetes.io/h2c", "H2c")]
    [InlineData("h2c", "H2c")]
    [InlineData("GRPC", "H2c")]
    [InlineData("http", "Http1")]
    [InlineData("kubernetes.io/ws", "Http1")]
    [InlineData(null, "Http1")]
    public void AppProtocol_Value_ChoosesUpstreamProtocol(string? appProtocol, string expected) =>
        Assert.Equal(Enum.Parse<UpstreamProtocol>(expected), UpstreamProtocols.FromAppProtocol(appProtocol));
}
