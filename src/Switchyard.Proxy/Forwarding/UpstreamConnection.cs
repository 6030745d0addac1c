using System.IO.Pipelines;
using System.Net.Sockets;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// One HTTP/1.1 connection to an endpoint: the socket, a pipe writer for requests (a flush sends what was written in one
/// go), a pipe reader for responses, and the stream under both for tunnels.
/// </summary>
internal sealed class UpstreamConnection : IDisposable
{
    public UpstreamConnection(Socket socket)
    {
        Socket = socket;
        Stream = new NetworkStream(socket, ownsSocket: true);
        Reader = PipeReader.Create(Stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
        Writer = PipeWriter.Create(Stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    private static readonly OperationCanceledException Discarded = new("the upstream connection was closed");

    public Socket Socket { get; }

    public NetworkStream Stream { get; }

    public PipeReader Reader { get; }

    public PipeWriter Writer { get; }

    /// <summary>The head of the response being read; reused for every response on this connection.</summary>
    public ResponseHead Head { get; } = new();

    /// <summary>False once the connection must not carry another request (close, error, unread body).</summary>
    public bool Reusable { get; set; } = true;

    /// <summary>Requests this connection has carried; a reused connection may have been closed by the peer meanwhile.</summary>
    public int Uses { get; set; }

    public void Dispose()
    {
        Reusable = false;
        Reader.Complete();
        Writer.Complete(Discarded); // with an error, the writer drops what a failed request left unsent instead of writing it now
        Stream.Dispose();
    }
}
