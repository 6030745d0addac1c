using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The client's request body as the content of an upstream HTTP/2 request, sent as it arrives. SocketsHttpHandler treats
/// <see cref="StreamContent"/> as a whole body to send before it returns the response; a content of its own type is
/// full-duplex, so a gRPC bidirectional or client-streaming call gets the upstream's answers while it is still sending.
/// Each read is flushed: a streaming call's message goes out when the client sent it, not when a buffer fills.
/// </summary>
/// <remarks>
/// Being duplex, the copy may still run when the response is over (an upstream that answered before reading the whole
/// body: a gRPC error status, an early 413). <see cref="StopAsync"/> ends it before the request does, so the client's
/// body is never read after Kestrel has finished with the request.
/// </remarks>
internal sealed class RequestBodyContent(PipeReader body) : HttpContent
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _copied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    /// <summary>The failure of reading the client's body (a malformed chunked body, a client gone), when that is what ended the copy.</summary>
    public Exception? ClientError { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _started, 1);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
            while (true)
            {
                ReadResult read;
                try
                {
                    read = await body.ReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is BadHttpRequestException or IOException)
                {
                    ClientError = e;
                    throw;
                }
                foreach (var segment in read.Buffer) await stream.WriteAsync(segment, linked.Token).ConfigureAwait(false);
                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted) return;
                await stream.FlushAsync(linked.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            _copied.TrySetResult();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false; // the request's Content-Length, when it had one, is set on the headers
    }

    /// <summary>Ends the copy of the body if it still runs (the upstream stream is reset) and waits for it to be over.</summary>
    public async ValueTask StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _started) == 1) await _copied.Task.ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _stop.Dispose();
        base.Dispose(disposing);
    }
}
