using System.IO.Pipelines;
using System.Net.Sockets;

namespace Switchyard.Proxy.Forwarding;

/// <summary>One HTTP/1.1 connection to an endpoint: the socket, a stream for writes and a pipe reader for responses.</summary>
internal sealed class UpstreamConnection : IDisposable
{
    public UpstreamConnection(Socket socket)
    {
        Socket = socket;
        Stream = new NetworkStream(socket, ownsSocket: true);
        Reader = PipeReader.Create(Stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
    }

    public Socket Socket { get; }

    public NetworkStream Stream { get; }

    public PipeReader Reader { get; }

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
        Stream.Dispose();
    }
}
