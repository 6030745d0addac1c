using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace Switchyard.Proxy.Forwarding;

/// <summary>
/// The connect callback of the SocketsHttpHandlers that reach endpoints (HTTP/2 forwarding, mirrors, health checks,
/// external authorization): the TCP connection, then a PROXY protocol header when the endpoint gets one, then the TLS
/// handshake under a BackendTLSPolicy. On failure everything opened so far is closed.
/// </summary>
internal static class UpstreamConnect
{
    /// <param name="header">The PROXY protocol header to send first, made from the connected socket (its own addresses); null: none.</param>
    /// <param name="tls">The endpoint's TLS; null for cleartext.</param>
    /// <param name="protocol">The ALPN protocol the TLS handshake offers, which the endpoint must agree to.</param>
    public static async ValueTask<Stream> OpenAsync(EndPoint target, Func<Socket, ReadOnlyMemory<byte>>? header, UpstreamTls? tls, SslApplicationProtocol protocol,
        CancellationToken cancellationToken)
    {
        var socket = target is IPEndPoint ip ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? secure = null;
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            if (header is not null) await socket.SendAsync(header(socket), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is null) return stream;
            secure = new SslStream(stream, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsync(secure, protocol, cancellationToken).ConfigureAwait(false);
            return secure;
        }
        catch
        {
            if (secure is not null) await secure.DisposeAsync().ConfigureAwait(false);
            else socket.Dispose();
            throw;
        }
    }
}
