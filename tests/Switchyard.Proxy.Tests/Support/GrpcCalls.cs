using System.Buffers.Binary;
using System.Net;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>gRPC as a client and a backend put it on the wire, for functional tests without generated stubs.</summary>
internal static class GrpcCalls
{
    /// <summary>A gRPC length-prefixed message: not compressed, the length big-endian, then <paramref name="payload"/>.</summary>
    public static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>
    /// A unary gRPC-framed POST of <paramref name="payload"/> to 127.0.0.1:<paramref name="port"/> over HTTP/2 with prior
    /// knowledge, as a gRPC client sends it: content-type application/grpc, TE trailers, Host <paramref name="host"/>.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, int port, string host, string path, byte[] payload, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(Frame(payload)),
        };
        request.Headers.Host = host;
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (n, v) in headers) request.Headers.TryAddWithoutValidation(n, v);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
