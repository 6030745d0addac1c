using System.IO.Pipelines;
using System.Net;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The client's request body as the content of an upstream HTTP/2 request, sent as it arrives. SocketsHttpHandler treats
/// <see cref="StreamContent"/> as a whole body to send before it returns the response; a content of its own type is
/// full-duplex, so a gRPC bidirectional or client-streaming call gets the upstream's answers while it is still sending.
/// Each read is flushed: a streaming call's message goes out when the client sent it, not when a buffer fills.
/// </summary>
internal sealed class RequestBodyContent(PipeReader body) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var segment in read.Buffer) await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            body.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted) return;
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false; // the request's Content-Length, when it had one, is set on the headers
    }
}
