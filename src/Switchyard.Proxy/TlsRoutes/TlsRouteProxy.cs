using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Relay;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.TlsRoutes;

/// <summary>
/// The listener and route layers of TLS listeners, one call per client connection: find the server name (from the
/// ClientHello in Passthrough mode, from the finished handshake in Terminate mode) and route it to a TLSRoute; the
/// shared <see cref="ConnectionRelay"/> then picks a backend by weight and an endpoint by least connections (power of
/// two choices), connects, and relays bytes both ways until the connection ends. In Passthrough mode the ClientHello
/// read to route is sent on first, so the endpoint sees the client's TLS untouched. A connection nothing can serve is
/// closed (in Passthrough mode after an <c>unrecognized_name</c> alert when no route names it).
/// </summary>
internal sealed class TlsRouteProxy(ProxyRuntime runtime, ConnectionRelay relay)
{
    /// <summary>How long a client may take to send its whole ClientHello.</summary>
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A fatal TLS alert, unrecognized_name (RFC 8446 §6.2), in a TLS 1.2-versioned record as TLS 1.3 sends it too.</summary>
    private static readonly byte[] UnrecognizedNameAlert = [21, 3, 3, 0, 2, 2, 112];

    /// <param name="mode"><see cref="ListenerKind.TlsPassthrough"/> (the ClientHello is still in the client's pipe) or <see cref="ListenerKind.TlsTerminate"/> (the handshake is done).</param>
    public Task HandleAsync(ConnectionContext client, IPEndPoint bind, ListenerKind mode)
    {
        var log = new RelayOutcome("not_tls");
        return relay.HandleAsync(client, bind, "TLS", log, listener => ServeAsync(client, listener, mode == ListenerKind.TlsPassthrough, log), runtime.Metrics.TlsConnection);
    }

    private async Task ServeAsync(ConnectionContext client, ListenerConfig listener, bool passthrough, RelayOutcome log)
    {
        var input = client.Transport.Input;
        ReadOnlySequence<byte> hello = default;
        if (passthrough)
        {
            using var reader = new ClientHello();
            // The timeout's own source: its timer, unlike a hand-made one calling Cancel, does not throw when it fires as the
            // hello completes and the source is being disposed (an exception on the timer thread would end the process).
            using var expiry = new CancellationTokenSource(HelloTimeout, runtime.Time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(client.ConnectionClosed, expiry.Token);
            while (true)
            {
                ReadResult read;
                try
                {
                    read = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !client.ConnectionClosed.IsCancellationRequested)
                {
                    log.Error = $"{listener.Name}: no complete ClientHello within {HelloTimeout.TotalSeconds:0} s";
                    return;
                }
                var status = reader.Read(read.Buffer, out log.ServerName, out var why);
                if (status == ClientHelloStatus.Complete)
                {
                    hello = read.Buffer; // kept unconsumed until it has been sent on
                    break;
                }
                input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                if (status == ClientHelloStatus.Invalid)
                {
                    log.Error = $"{listener.Name}: not a TLS ClientHello: {why}";
                    return;
                }
                if (read.IsCompleted)
                {
                    log.Error = $"{listener.Name}: the client closed before its ClientHello was complete";
                    return;
                }
            }
        }
        else log.ServerName = client.Features.Get<ITlsHandshakeFeature>()?.HostName is { Length: > 0 } sni ? sni.ToLowerInvariant() : null;

        var target = listener.TlsRoutes.Match(log.ServerName);
        if (target is null)
        {
            log.Result = "no_route";
            log.Error = log.ServerName is null ? $"{listener.Name}: the client named no usable server (SNI)" : $"{listener.Name}: no TLSRoute for {log.ServerName}";
            if (passthrough)
            {
                input.AdvanceTo(hello.End);
                await client.Transport.Output.WriteAsync(UnrecognizedNameAlert, client.ConnectionClosed).ConfigureAwait(false);
            }
            return;
        }
        log.Route = target.Name;
        if (target.ClientValidation is { } needed && client.Features.Get<Listeners.ClientCertificateState>()?.ValidationKey != needed.Key)
        {
            // The name belongs to a listener validating otherwise (or not at all); only the route's wildcard covered it.
            log.Result = "unvalidated";
            log.Error = $"{listener.Name}: {target.Name} needs a client certificate checked by {needed.Name}, which this connection was not";
            return;
        }
        await relay.ForwardAsync(client, target.Name, target.Backends, tls: !passthrough, hello, log).ConfigureAwait(false);
    }
}
