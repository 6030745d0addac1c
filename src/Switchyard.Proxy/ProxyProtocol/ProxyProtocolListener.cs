using Microsoft.AspNetCore.Connections;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.ProxyProtocol;

/// <summary>
/// Listener layer, first step of a connection on a listener behind an L4 load balancer that speaks the PROXY protocol
/// (a Gateway annotated <c>gateway.switchyard.dev/proxy-protocol</c>, or <c>gateway serve --ingress-proxy-protocol</c>):
/// a connection middleware, installed before TLS and HTTP, that reads the v1 or v2 header from the transport pipe,
/// consumes it, and makes the address it carries the connection's <see cref="ConnectionContext.RemoteEndPoint"/>
/// (and the address the client reached, <see cref="ConnectionContext.LocalEndPoint"/>). That property is the one place
/// the proxy takes the client's address from: Kestrel copies it into the HTTP connection feature (X-Forwarded-For,
/// Forwarded, source-IP hashing and <c>sessionAffinity: ClientIP</c>, the access log, the PROXY header sent on to
/// backends), and TLSRoutes read it directly. Strict: a connection that does not start with a valid header, or does
/// not complete one within <see cref="ProxyOptions.ProxyProtocolTimeout"/>, is closed without an answer. A v2 LOCAL
/// header, v1 UNKNOWN and address families without an IP keep the connection's own addresses. Listeners without the
/// setting never run this code.
/// </summary>
internal sealed class ProxyProtocolListener(Func<string> listenerName, TimeSpan timeout, TimeProvider time, ProxyMetrics metrics)
{
    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        var (header, result) = await ReadAsync(connection).ConfigureAwait(false);
        metrics.ProxyProtocol(listenerName(), result);
        if (header is null)
        {
            connection.Abort(new ConnectionAbortedException($"PROXY protocol: {result}"));
            return;
        }
        if (header.Source is { } source)
        {
            connection.RemoteEndPoint = source;
            connection.LocalEndPoint = header.Destination;
        }
        await next(connection).ConfigureAwait(false);
    };

    /// <summary>The header, consumed from the input, and the metric's result: accepted, local (no usable address), or why there is none.</summary>
    private async Task<(ProxyHeader? Header, string Result)> ReadAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // The timeout's own source: its timer, unlike a hand-made one calling Cancel, does not throw when it fires as the
        // header completes and the source is being disposed (an exception on the timer thread would end the process).
        using var expiry = new CancellationTokenSource(timeout, time);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, expiry.Token);
        while (true)
        {
            System.IO.Pipelines.ReadResult read;
            try
            {
                read = await input.ReadAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (null, connection.ConnectionClosed.IsCancellationRequested ? "closed" : "timeout");
            }
            catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException)
            {
                return (null, "closed");
            }
            var status = ProxyHeaderReader.Read(read.Buffer, out var header, out var error);
            if (status == ProxyHeaderStatus.Complete)
            {
                input.AdvanceTo(read.Buffer.GetPosition(header!.Length));
                return (header, header.Source is null ? "local" : "accepted");
            }
            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            if (status == ProxyHeaderStatus.Invalid) return (null, error == ProxyHeaderReader.NotAHeader ? "missing" : "malformed");
            if (read.IsCompleted || read.IsCanceled) return (null, "closed");
        }
    }
}
