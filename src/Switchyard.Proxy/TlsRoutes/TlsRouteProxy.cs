using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.TlsRoutes;

/// <summary>
/// The data plane of TLS listeners, one call per client connection: find the server name (from the ClientHello in
/// Passthrough mode, from the finished handshake in Terminate mode), route it to a TLSRoute, pick a backend by weight
/// and an endpoint by least connections (power of two choices), connect, and relay bytes both ways until the
/// connection ends. In Passthrough mode the ClientHello read to route is sent on first, so the endpoint sees the
/// client's TLS untouched. A connection nothing can serve is closed (in Passthrough mode after an
/// <c>unrecognized_name</c> alert when no route names it).
/// </summary>
internal sealed class TlsRouteProxy(ProxyRuntime runtime)
{
    /// <summary>How long a client may take to send its whole ClientHello.</summary>
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Endpoints tried per connection when connecting fails.</summary>
    private const int MaxConnectAttempts = 3;

    /// <summary>A fatal TLS alert, unrecognized_name (RFC 8446 §6.2), in a TLS 1.2-versioned record as TLS 1.3 sends it too.</summary>
    private static readonly byte[] UnrecognizedNameAlert = [21, 3, 3, 0, 2, 2, 112];

    /// <param name="mode"><see cref="ListenerKind.TlsPassthrough"/> (the ClientHello is still in the client's pipe) or <see cref="ListenerKind.TlsTerminate"/> (the handshake is done).</param>
    public async Task HandleAsync(ConnectionContext client, IPEndPoint bind, ListenerKind mode)
    {
        var start = runtime.Time.GetTimestamp();
        var listener = runtime.View.Current.Listeners.GetValueOrDefault(bind);
        var log = new Outcome();
        try
        {
            await ServeAsync(client, listener, mode == ListenerKind.TlsPassthrough, log).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConnectionResetException or ConnectionAbortedException)
        {
            log.Error ??= $"relay ended: {e.Message}";
        }
        finally
        {
            runtime.Metrics.TlsConnection(log.Route ?? "", log.Result, log.Received, log.Sent);
            runtime.AccessLog?.Write(new AccessLogEntry(
                runtime.Time.GetUtcNow(), "TLS", log.ServerName ?? "", "", 0, runtime.Time.GetElapsedTime(start).TotalMilliseconds,
                listener?.Name ?? bind.ToString(), log.Route, log.Backend, log.Endpoint, 0, log.Error, null,
                (client.RemoteEndPoint as IPEndPoint)?.Address.ToString(), log.Received, log.Sent));
        }
    }

    /// <summary>What one connection came to, for its metrics and access-log line (result: forwarded, not_tls, no_route, unvalidated, no_backend, circuit_open, connect_failed).</summary>
    private sealed class Outcome
    {
        public string? ServerName, Route, Backend, Endpoint, Error;
        public string Result = "not_tls";
        public long Received, Sent;
    }

    private async Task ServeAsync(ConnectionContext client, ListenerConfig? listener, bool passthrough, Outcome log)
    {
        var input = client.Transport.Input;
        if (listener is null)
        {
            log.Error = "listener: not configured";
            return;
        }
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
        var backend = target.Backends.Pick(runtime.Random);
        if (backend is null || backend.Error is not null)
        {
            log.Result = "no_backend";
            log.Backend = backend?.Name;
            log.Error = backend is null ? $"{target.Name}: no backend has a weight above 0" : $"{target.Name}: backend {backend.Name}: {backend.Error}";
            return;
        }
        log.Backend = backend.Name;
        RateLimitLease? slot = null;
        if (backend.Breaker is { } breaker)
        {
            (slot, var refusal) = await breaker.AcquireConnectionAsync(client.ConnectionClosed).ConfigureAwait(false);
            if (refusal is not null)
            {
                log.Result = "circuit_open";
                log.Error = $"{target.Name}: backend {backend.Name}: circuit open: {refusal}";
                runtime.Metrics.CircuitOpen(backend.Name, "pending");
                return;
            }
        }
        using (slot)
        {
            var (endpoint, upstream, failure) = await ConnectAsync(backend, tls: !passthrough, client, client.ConnectionClosed).ConfigureAwait(false);
            if (upstream is null)
            {
                log.Result = "connect_failed";
                log.Endpoint = endpoint?.Name;
                log.Error = $"{target.Name}: backend {backend.Name}: {failure}";
                return;
            }
            log.Endpoint = endpoint!.Name;
            log.Result = "forwarded";
            try
            {
                if (passthrough)
                {
                    foreach (var segment in hello) await upstream.Stream.WriteAsync(segment, client.ConnectionClosed).ConfigureAwait(false);
                    log.Received += hello.Length;
                    input.AdvanceTo(hello.End);
                }
                if (await RelayAsync(client, upstream, log).ConfigureAwait(false))
                    log.Error = $"{target.Name}: closed after {runtime.TlsIdleTimeout.TotalSeconds:0.###} s without a byte either way";
            }
            finally
            {
                endpoint.End();
                upstream.Dispose();
            }
        }
    }

    /// <summary>
    /// Connects to an endpoint of <paramref name="backend"/> (least connections of two picked at random, skipping
    /// ejected and unhealthy ones), moving on to one not tried yet after a failure; the endpoint is counted as in use
    /// on success only.
    /// </summary>
    /// <param name="client">The client connection, whose addresses a PROXY protocol header (Service annotation) carries.</param>
    private async Task<(EndpointState? Endpoint, UpstreamConnection? Connection, string? Failure)> ConnectAsync(Backend backend, bool tls, ConnectionContext client, CancellationToken cancellationToken)
    {
        var tried = new List<EndpointState>(MaxConnectAttempts);
        string failure = "no ready endpoint";
        for (var attempt = 0; attempt < MaxConnectAttempts; attempt++)
        {
            var endpoint = Pick(backend.Endpoints, runtime.Time.GetTimestamp(), tried);
            if (endpoint is null) break;
            tried.Add(endpoint);
            endpoint.Begin();
            var connected = false;
            try
            {
                var proxyHeader = endpoint.Pool.ProxyProtocol == ProxyProtocolVersion.None ? default
                    : ProxyHeaderWriter.Write(endpoint.Pool.ProxyProtocol, client.RemoteEndPoint as IPEndPoint, client.LocalEndPoint as IPEndPoint);
                var connection = await endpoint.Pool.ConnectRawAsync(tls, cancellationToken, proxyHeader).ConfigureAwait(false);
                connected = true;
                endpoint.RecordSuccess();
                return (endpoint, connection, null);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException)
            {
                if (cancellationToken.IsCancellationRequested) return (endpoint, null, "the client left while connecting");
                failure = $"endpoint {endpoint.Name}: connect failed ({(e is OperationCanceledException ? "timed out" : e.Message)})";
                runtime.Metrics.UpstreamError(backend.Name, "connect");
                var outlier = backend.Outlier;
                if (outlier.ConsecutiveConnectFailures > 0 && endpoint.RecordConnectFailure() >= outlier.ConsecutiveConnectFailures && backend.TryEject(endpoint, runtime.Time))
                    runtime.Metrics.Ejection();
            }
            finally
            {
                if (!connected) endpoint.End();
            }
        }
        return (tried.LastOrDefault(), null, failure);
    }

    /// <summary>The less loaded of two endpoints picked at random among those not yet <paramref name="tried"/> (any, when all were).</summary>
    private EndpointState? Pick(EndpointState[] endpoints, long now, List<EndpointState> tried)
    {
        if (endpoints.Length == 0 || tried.Count >= endpoints.Length) return null;
        var avoid = tried.Count > 0 ? tried[^1] : null;
        EndpointState? Draw()
        {
            var start = runtime.Random.Next(endpoints.Length);
            for (var i = 0; i < endpoints.Length; i++)
            {
                var e = EndpointFilter.Probe(endpoints, (start + i) % endpoints.Length, now, avoid);
                if (e is null) return null;
                if (!tried.Contains(e)) return e;
            }
            return null;
        }
        var a = Draw();
        var b = Draw();
        return a is not null && b is not null && b.InFlight < a.InFlight ? b : a;
    }

    /// <summary>
    /// Relays until the endpoint ends its side, the client goes away, or nothing moved either way for
    /// <see cref="ProxyRuntime.TlsIdleTimeout"/> (then returns true). The client ending its side first is passed on
    /// (FIN, after a close_notify when the gateway speaks TLS to the endpoint) and the endpoint's remaining bytes still
    /// flow back. Bytes are counted when delivered.
    /// </summary>
    private async Task<bool> RelayAsync(ConnectionContext client, UpstreamConnection upstream, Outcome log)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(client.ConnectionClosed);
        var time = runtime.Time;
        var idleLimit = runtime.TlsIdleTimeout;
        var lastActive = time.GetTimestamp();
        var idle = false;
        // Checked a few times per limit rather than re-armed per read: a read only stores a timestamp.
        var period = TimeSpan.FromTicks(Math.Max(idleLimit.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));
        await using var watch = time.CreateTimer(_ =>
        {
            if (time.GetElapsedTime(Volatile.Read(ref lastActive)) < idleLimit) return;
            idle = true;
            stop.Cancel();
        }, null, period, period);
        var input = client.Transport.Input;
        var output = client.Transport.Output;
        var up = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var read = await input.ReadAsync(stop.Token).ConfigureAwait(false);
                    Volatile.Write(ref lastActive, time.GetTimestamp());
                    foreach (var segment in read.Buffer) await upstream.Stream.WriteAsync(segment, stop.Token).ConfigureAwait(false);
                    Interlocked.Add(ref log.Received, read.Buffer.Length);
                    input.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted || read.IsCanceled) break;
                }
                await upstream.ShutdownSendAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
            {
                if (!stop.IsCancellationRequested) log.Error ??= $"client side: {e.Message}";
                await stop.CancelAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None);
        try
        {
            while (true)
            {
                var read = await upstream.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                Volatile.Write(ref lastActive, time.GetTimestamp());
                foreach (var segment in read.Buffer)
                {
                    if ((await output.WriteAsync(segment, stop.Token).ConfigureAwait(false)).IsCompleted) return false; // the client is gone
                    log.Sent += segment.Length;
                }
                upstream.Reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled) break;
            }
        }
        catch (OperationCanceledException) when (idle || client.ConnectionClosed.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            input.CancelPendingRead();
            await up.ConfigureAwait(false);
        }
        return idle;
    }
}
