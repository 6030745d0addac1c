using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Relay;

/// <summary>
/// The backend and endpoint layers of routes that relay whole connections (TLSRoute, TCPRoute), once the listener
/// layer has chosen the route: pick a backend by weight, wait for its circuit breaker, connect to an endpoint (least
/// connections of two picked at random, moving on to another after a failure, with a PROXY protocol header when the
/// Service asks for one), and relay bytes both ways until the connection ends. Every connection, served or not, is
/// counted and written to the access log once, when it ends.
/// </summary>
internal sealed class ConnectionRelay(ProxyRuntime runtime)
{
    /// <summary>Endpoints tried per connection when connecting fails.</summary>
    private const int MaxConnectAttempts = 3;

    /// <summary>
    /// Runs <paramref name="serve"/> for one client connection with the listener the current snapshot has for
    /// <paramref name="bind"/> (null: none), then counts it with <paramref name="count"/> (route, result, bytes received,
    /// bytes sent) and writes its access-log line with <paramref name="method"/> ("TLS", "TCP"). The snapshot is read once:
    /// a connection keeps the configuration it started with.
    /// </summary>
    public async Task HandleAsync(ConnectionContext client, IPEndPoint bind, string method, RelayOutcome log,
        Func<ListenerConfig, Task> serve, Action<string, string, long, long> count)
    {
        var start = runtime.Time.GetTimestamp();
        var listener = runtime.View.Current.Listeners.GetValueOrDefault(bind);
        try
        {
            if (listener is null) log.Error = "listener: not configured";
            else await serve(listener).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ConnectionResetException or ConnectionAbortedException)
        {
            log.Error ??= $"relay ended: {e.Message}";
        }
        finally
        {
            count(log.Route ?? "", log.Result, log.Received, log.Sent);
            runtime.AccessLog?.Write(new AccessLogEntry(
                runtime.Time.GetUtcNow(), method, log.ServerName ?? "", "", 0, runtime.Time.GetElapsedTime(start).TotalMilliseconds,
                listener?.Name ?? bind.ToString(), log.Route, log.Backend, log.Endpoint, 0, log.Error, null,
                (client.RemoteEndPoint as IPEndPoint)?.Address.ToString(), log.Received, log.Sent));
        }
    }

    /// <summary>
    /// Serves one connection for <paramref name="route"/>: a backend of <paramref name="backends"/> by weight (a broken one
    /// refuses its share of connections), an endpoint, then the relay. <paramref name="first"/> holds bytes the listener
    /// read to route (a ClientHello), still unconsumed in the client's pipe: they go to the endpoint first. The
    /// connection is closed without an answer when nothing can serve it; <paramref name="log"/> says why.
    /// </summary>
    /// <param name="tls">Speak the endpoint's TLS (a BackendTLSPolicy) rather than pass the client's bytes as they are.</param>
    public async Task ForwardAsync(ConnectionContext client, string route, BackendGroup backends, bool tls, ReadOnlySequence<byte> first, RelayOutcome log)
    {
        log.Route = route;
        var backend = backends.Pick(runtime.Random);
        if (backend is null || backend.Error is not null)
        {
            log.Result = "no_backend";
            log.Backend = backend?.Name;
            log.Error = backend is null ? $"{route}: no backend has a weight above 0" : $"{route}: backend {backend.Name}: {backend.Error}";
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
                log.Error = $"{route}: backend {backend.Name}: circuit open: {refusal}";
                runtime.Metrics.CircuitOpen(backend.Name, "pending");
                return;
            }
        }
        using (slot)
        {
            // Not cancelled by ConnectionClosed: the transports fire it when the client ends its side (FIN), and a client
            // may send its request and its FIN before the endpoint is connected; the connect timeout bounds the wait.
            var (endpoint, upstream, failure) = await ConnectAsync(backend, tls, client, CancellationToken.None).ConfigureAwait(false);
            if (upstream is null)
            {
                log.Result = "connect_failed";
                log.Endpoint = endpoint?.Name;
                log.Error = $"{route}: backend {backend.Name}: {failure}";
                return;
            }
            log.Endpoint = endpoint!.Name;
            log.Result = "forwarded";
            try
            {
                if (!first.IsEmpty)
                {
                    foreach (var segment in first) await upstream.Stream.WriteAsync(segment).ConfigureAwait(false);
                    log.Received += first.Length;
                    client.Transport.Input.AdvanceTo(first.End);
                }
                var idleLimit = backend.IdleTimeout ?? runtime.TlsIdleTimeout;
                if (await RelayAsync(client, upstream, idleLimit, log).ConfigureAwait(false))
                    log.Error = $"{route}: closed after {idleLimit.TotalSeconds:0.###} s without a byte either way";
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
                if (backend.RecordConnectFailure(endpoint, runtime.Time)) runtime.Metrics.Ejection();
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
            var spread = (uint)runtime.Random.Next(int.MaxValue);
            for (var i = 0; i < endpoints.Length; i++)
            {
                var e = EndpointFilter.Probe(endpoints, (start + i) % endpoints.Length, spread + (uint)i, now, avoid);
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
    /// <paramref name="idleLimit"/> (then returns true): the backend's idle timeout, else <see cref="ProxyRuntime.TlsIdleTimeout"/>. The client ending its side first is passed on
    /// (FIN, after a close_notify when the gateway speaks TLS to the endpoint) and the endpoint's remaining bytes still
    /// flow back. Bytes are counted when delivered.
    /// </summary>
    /// <remarks>
    /// The client's <see cref="ConnectionContext.ConnectionClosed"/> is not a reason to stop: Kestrel's socket transport
    /// and the event-loop transport fire it when the client's FIN arrives, which for a relay only ends one direction. A
    /// client that is really gone shows as a failed read (reset) or a write that finds its output completed.
    /// </remarks>
    private async Task<bool> RelayAsync(ConnectionContext client, UpstreamConnection upstream, TimeSpan idleLimit, RelayOutcome log)
    {
        using var stop = new CancellationTokenSource();
        var time = runtime.Time;
        var lastActive = time.GetTimestamp();
        var idle = false;
        // Checked a few times per limit rather than re-armed per read: a read only stores a timestamp.
        // Between 50 ms and a minute: a timeout of months (meant as "never") must not ask for a period timers refuse.
        var period = TimeSpan.FromTicks(Math.Clamp(idleLimit.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromMinutes(1).Ticks));
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
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
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
