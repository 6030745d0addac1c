using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.TlsRoutes;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// Listener layer, first step (after a PROXY protocol header, if any) of a connection on a port shared by HTTPS and
/// TLS listeners (<see cref="ListenerKind.Mixed"/>): a connection middleware that reads the ClientHello without
/// consuming it and hands the connection, every byte still in its pipe, to the kind of listener its server name
/// selects (<see cref="ListenerConfig.ServerNames"/>): TLS Passthrough names to the TLSRoutes; the others to Kestrel's
/// TLS handshake (certificate by SNI), with the choice recorded as a <see cref="ServerNameChoice"/>: HTTPS names
/// negotiate ALPN and continue to HTTP, TLS Terminate names negotiate none and continue to the TLSRoutes
/// (<see cref="AfterHandshake"/>). Bytes that are not a ClientHello go on to the handshake, which refuses them as on a
/// port of HTTPS listeners only; a client that has not sent a whole ClientHello within
/// <see cref="TlsRouteProxy.HelloTimeout"/>, or leaves first, is closed. Ports of one kind never run this code.
/// </summary>
/// <param name="bind">The port's configured address, its listener's key in the snapshot.</param>
internal sealed class ServerNameSplit(ProxyRuntime runtime, TlsRouteProxy tlsRoutes, IPEndPoint bind)
{
    /// <summary>Before the TLS handshake: Passthrough names leave here.</summary>
    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => connection => RouteAsync(connection, next);

    /// <summary>After the TLS handshake: TLS Terminate names leave here; HTTPS names continue to HTTP.</summary>
    public Func<ConnectionDelegate, ConnectionDelegate> AfterHandshake => next => connection =>
        connection.Features.Get<ServerNameChoice>() == ServerNameChoice.TlsTerminate ? tlsRoutes.HandleAsync(connection, bind, ListenerKind.TlsTerminate) : next(connection);

    private async Task RouteAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var (hello, serverName) = await PeekAsync(connection).ConfigureAwait(false);
        if (hello == Peeked.Gone) return;
        // The snapshot may have changed since the server started; a port no longer mixed is served as HTTPS until it restarts.
        var kinds = runtime.View.Current.Listeners.GetValueOrDefault(bind)?.ServerNames;
        var kind = hello == Peeked.NotTls || kinds is null ? ListenerKind.Https : kinds.Select(serverName);
        if (kind == ListenerKind.TlsPassthrough)
        {
            await tlsRoutes.HandleAsync(connection, bind, kind).ConfigureAwait(false);
            return;
        }
        connection.Features.Set(kind == ListenerKind.TlsTerminate ? ServerNameChoice.TlsTerminate : ServerNameChoice.Https);
        await next(connection).ConfigureAwait(false);
    }

    private enum Peeked
    {
        /// <summary>A whole ClientHello is in the pipe.</summary>
        Hello,

        /// <summary>The bytes are not a TLS ClientHello.</summary>
        NotTls,

        /// <summary>The client left, or took too long, before its ClientHello was complete.</summary>
        Gone,
    }

    /// <summary>
    /// Reads until the ClientHello is complete, leaving every byte unconsumed: while it is not, everything is marked
    /// examined (the next read waits for more); once it is, nothing is (the next reader gets the same bytes at once).
    /// </summary>
    private async Task<(Peeked, string?)> PeekAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var reader = new ClientHello();
        // The timeout's own source: its timer, unlike a hand-made one calling Cancel, does not throw when it fires as the
        // hello completes and the source is being disposed (an exception on the timer thread would end the process).
        using var expiry = new CancellationTokenSource(TlsRouteProxy.HelloTimeout, runtime.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, expiry.Token);
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException)
            {
                return (Peeked.Gone, null);
            }
            var status = reader.Read(read.Buffer, out var serverName, out _);
            if (status == ClientHelloStatus.Complete)
            {
                input.AdvanceTo(read.Buffer.Start);
                return (Peeked.Hello, serverName);
            }
            if (status == ClientHelloStatus.Invalid)
            {
                input.AdvanceTo(read.Buffer.Start);
                return (Peeked.NotTls, null);
            }
            input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled) return (Peeked.Gone, null);
        }
    }
}

/// <summary>
/// What <see cref="ServerNameSplit"/> decided for a connection it sent to the TLS handshake, read by the handshake
/// (ALPN for HTTPS names, none for TLS Terminate names) and after it. Decided once, so both agree whatever snapshot
/// comes in between.
/// </summary>
internal sealed class ServerNameChoice
{
    public static readonly ServerNameChoice Https = new(), TlsTerminate = new();

    private ServerNameChoice()
    {
    }
}
