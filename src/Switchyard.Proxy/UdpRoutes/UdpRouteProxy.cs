using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.UdpRoutes;

/// <summary>
/// The listener and route layers of one UDP listener socket. A datagram from a client with no session starts one with
/// the UDPRoute the current snapshot has for the port (see <see cref="ListenerConfig.UdpRoute"/>): a backend by weight,
/// then an endpoint (the less busy of two picked at random, skipping ejected and unhealthy ones), and a
/// <see cref="UdpSession"/> with its own connected socket; later datagrams of the client follow it. A datagram nothing
/// can serve (no route, a backendRef that does not resolve, no endpoint, the session limit reached) is dropped and
/// counted, never answered. Sessions end after <see cref="ProxyRuntime.UdpIdleTimeout"/> without a datagram either
/// way, when their endpoint is no longer one of the route's (<see cref="Retain"/>), or when the listener stops; each is
/// counted and written to the access log once, when it ends.
/// </summary>
internal sealed class UdpRouteProxy : IAsyncDisposable
{
    /// <summary>The largest UDP payload (65,535 bytes less the UDP and IPv4 headers): a datagram always fits, never truncated.</summary>
    public const int MaxDatagram = 65_507;

    private readonly ProxyRuntime _runtime;
    private readonly IPEndPoint _bind;
    private readonly Socket _socket;
    /// <summary>The sessions by client address, compared by its bytes: a datagram is matched without allocating an endpoint.</summary>
    private readonly ConcurrentDictionary<SocketAddress, UdpSession> _sessions = new();
    private readonly IPEndPoint _any;
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _sweep;
    private readonly Task _receiving;
    private int _count;

    private UdpRouteProxy(ProxyRuntime runtime, IPEndPoint bind, Socket socket)
    {
        _runtime = runtime;
        _bind = bind;
        _socket = socket;
        Bound = (IPEndPoint)socket.LocalEndPoint!;
        _any = new IPEndPoint(bind.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        // Checked a few times per idle limit rather than re-armed per datagram: a datagram only stores a timestamp. A
        // backend's own idle timeout (lb.switchyard.dev/idle-timeout) may be shorter: then at least once a second.
        var period = TimeSpan.FromTicks(Math.Clamp(runtime.UdpIdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _sweep = runtime.Time.CreateTimer(_ => Sweep(), null, period, period);
        _receiving = Task.Run(() => ReceiveAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>The address the socket is bound to (differs from the configured one when its port was 0).</summary>
    public IPEndPoint Bound { get; }

    /// <summary>Sessions open now.</summary>
    public int Sessions => Volatile.Read(ref _count);

    /// <summary>Binds <paramref name="bind"/> for UDP and starts serving it; throws <see cref="SocketException"/> when the address is taken.</summary>
    public static UdpRouteProxy Start(ProxyRuntime runtime, IPEndPoint bind)
    {
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(bind);
            return new UdpRouteProxy(runtime, bind, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var from = _any.Serialize(); // filled by each receive: no allocation per datagram
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error reported on the listener's socket (Windows) or a datagram larger than the buffer: nothing to
                // relay, and the next datagram is unaffected. A socket failing every receive is retried ten times a second, not spun on.
                _runtime.Metrics.UdpDropped("", "receive_error");
                if (++failures >= 100 && !await PauseAsync(cancellationToken).ConfigureAwait(false)) return;
                continue;
            }
            try
            {
                await ForwardAsync(from, buffer.AsMemory(0, received), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever one datagram met, the listener goes on receiving the next.
                _runtime.Metrics.UdpDropped("", "forward_failed");
            }
        }
    }

    /// <summary>A tenth of a second on the runtime's clock; false when the proxy stops meanwhile.</summary>
    private async Task<bool> PauseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _runtime.Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends one client datagram to the endpoint of the client's session, starting one when it has none.
    /// <paramref name="from"/> is the receive buffer's address, reused by the next receive: a new session keeps a copy.
    /// </summary>
    private async Task ForwardAsync(SocketAddress from, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken)
    {
        if (!_sessions.TryGetValue(from, out var session) || session.Ended)
        {
            session = Open(from);
            if (session is null) return;
        }
        // Active from the moment it arrives: what follows (an answer reaching the client) happens after, never before.
        session.Touch(_runtime.Time.GetTimestamp());
        try
        {
            await session.Upstream.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref session.Received, datagram.Length);
            session.Counters.Received(datagram.Length);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            Refused(session); // an ICMP port unreachable for an earlier datagram, reported on this send
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _runtime.Metrics.UdpDropped(session.Route, "send_failed"); // or the session just ended
        }
    }

    /// <summary>A new session for the client at <paramref name="from"/>; null, the datagram dropped and counted, when nothing can serve it.</summary>
    private UdpSession? Open(SocketAddress from)
    {
        var snapshot = _runtime.View.Current;
        var listener = snapshot.UdpListeners.GetValueOrDefault(_bind);
        if (listener?.UdpRoute is not { } target)
        {
            _runtime.Metrics.UdpDropped("", "no_route");
            return null;
        }
        if (Volatile.Read(ref _count) >= _runtime.UdpMaxSessions)
        {
            // Refused rather than evicting an older session: a flood of new sources must not cut off clients already served.
            _runtime.Metrics.UdpDropped(target.Name, "session_limit");
            return null;
        }
        var backend = target.Backends.Pick(_runtime.Random);
        if (backend is null || backend.Error is not null)
        {
            _runtime.Metrics.UdpDropped(target.Name, "no_backend");
            return null;
        }
        if (Pick(backend.Endpoints, _runtime.Time.GetTimestamp()) is not { } endpoint)
        {
            _runtime.Metrics.UdpDropped(target.Name, "no_endpoint");
            return null;
        }
        // The Service's max connections bounds its sessions; a datagram cannot wait in the pending queue, so past it the
        // new client's datagrams are dropped (the sessions already open go on).
        var (slot, refusal) = backend.Breaker?.TryAcquireConnection() ?? (null, null);
        if (refusal is not null)
        {
            _runtime.Metrics.UdpDropped(target.Name, "circuit_open");
            _runtime.Metrics.CircuitOpen(backend.Name, "connections");
            return null;
        }
        Socket? upstream = null;
        try
        {
            upstream = new Socket(endpoint.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            upstream.Connect(endpoint.Address); // no packet is sent: it fixes the peer, so only the endpoint's datagrams are read
        }
        catch (SocketException)
        {
            // Out of descriptors or buffers (EMFILE, ENOBUFS), or the endpoint's address unusable: this client's datagram is lost.
            upstream?.Dispose();
            slot?.Dispose();
            _runtime.Metrics.UdpDropped(target.Name, "no_endpoint");
            return null;
        }
        var address = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(address.Buffer.Span);
        var session = new UdpSession(address, (IPEndPoint)_any.Create(address), target.Name, backend, endpoint, upstream, _runtime.Time.GetTimestamp(),
            _runtime.Metrics.Udp(target.Name), slot);
        _sessions[address] = session;
        Interlocked.Increment(ref _count);
        endpoint.Begin();
        _runtime.Metrics.UdpSessionOpened();
        _ = Task.Run(() => ReplyAsync(session), CancellationToken.None);
        // A snapshot published since it was read may have been retained before this session was listed: check against it.
        if (_runtime.View.Current is var current && !ReferenceEquals(current, snapshot)) Retain(current);
        return session;
    }

    /// <summary>The less busy (sessions and requests in flight) of two usable endpoints picked at random.</summary>
    private EndpointState? Pick(EndpointState[] endpoints, long now)
    {
        if (endpoints.Length == 0) return null;
        var a = EndpointFilter.ProbeAtRandom(endpoints, _runtime.Random, now, null);
        var b = EndpointFilter.ProbeAtRandom(endpoints, _runtime.Random, now, null);
        return a is not null && b is not null && b.InFlight < a.InFlight ? b : a;
    }

    /// <summary>
    /// Relays the endpoint's datagrams to the client until the session ends. It waits for a datagram with an empty peek,
    /// which reads nothing, and only then rents a buffer: a waiting session holds its socket and no buffer, so the
    /// session limit bounds sockets, not 64 KiB per client.
    /// </summary>
    private async Task ReplyAsync(UdpSession session)
    {
        var token = session.Stopping;
        while (!token.IsCancellationRequested)
        {
            byte[]? buffer = null;
            try
            {
                await session.Upstream.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, token).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
                var n = await session.Upstream.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
                session.Touch(_runtime.Time.GetTimestamp());
                session.Endpoint.ResetConnectFailures();
                await _socket.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, session.Address, token).ConfigureAwait(false);
                Interlocked.Add(ref session.Sent, n);
                session.Counters.Sent(n);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                Refused(session);
                return;
            }
            catch (SocketException)
            {
                _runtime.Metrics.UdpDropped(session.Route, "reply_failed");
            }
            finally
            {
                if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// The endpoint answered a datagram of <paramref name="session"/> with an ICMP port unreachable: nothing listens on
    /// that port now (the endpoint is down or restarting). The datagram is lost and counted; the refusal counts as a
    /// connect failure towards the backend's outlier detection, which ejects an endpoint that keeps refusing; and the
    /// session ends, so the client's next datagram starts a new one on an endpoint chosen again.
    /// </summary>
    private void Refused(UdpSession session)
    {
        _runtime.Metrics.UdpDropped(session.Route, "upstream_refused");
        // Counted once per session: a refusal reported on the send and on the receive is one failure.
        if (End(session, "upstream_refused", $"{session.Route}: endpoint {session.Endpoint.Name} refused a datagram (ICMP port unreachable)")
            && session.Backend.RecordConnectFailure(session.Endpoint, _runtime.Time))
            _runtime.Metrics.Ejection();
    }

    /// <summary>Ends the sessions idle for their backend's idle timeout, else <see cref="ProxyRuntime.UdpIdleTimeout"/>.</summary>
    private void Sweep()
    {
        foreach (var session in _sessions.Values)
        {
            var limit = session.Backend.IdleTimeout ?? _runtime.UdpIdleTimeout;
            if (_runtime.Time.GetElapsedTime(session.LastActive) < limit) continue;
            // A session that delivered datagrams and was never refused counts as a success: an endpoint that never
            // answers (syslog, statsd) still has its refusals counted in a row, not over its lifetime.
            if (End(session, "idle", $"{session.Route}: closed after {limit.TotalSeconds:0.###} s without a datagram either way")
                && Interlocked.Read(ref session.Received) > 0)
                session.Endpoint.ResetConnectFailures();
        }
    }

    /// <summary>
    /// Ends the sessions whose endpoint is no longer an endpoint of the route that serves the port in
    /// <paramref name="snapshot"/> (the endpoint left its Service, or the route changed or went away); the others go on.
    /// A client of an ended session starts a new one with its next datagram.
    /// </summary>
    public void Retain(ProxySnapshot snapshot)
    {
        var live = new HashSet<EndpointState>(ReferenceEqualityComparer.Instance);
        foreach (var backend in snapshot.UdpListeners.GetValueOrDefault(_bind)?.UdpRoute?.Backends.All ?? [])
        {
            if (backend.Error is null && backend.Weight > 0) live.UnionWith(backend.Endpoints);
        }
        foreach (var session in _sessions.Values)
        {
            if (!live.Contains(session.Endpoint))
                End(session, "endpoint_removed", $"{session.Route}: endpoint {session.Endpoint.Name} is no longer an endpoint of the route serving the port");
        }
    }

    /// <summary>Ends <paramref name="session"/> once: counted by <paramref name="reason"/> and written to the access log; false when it had ended already.</summary>
    private bool End(UdpSession session, string reason, string? error)
    {
        if (!session.TryEnd()) return false;
        _sessions.TryRemove(new KeyValuePair<SocketAddress, UdpSession>(session.Address, session));
        Interlocked.Decrement(ref _count);
        session.Endpoint.End();
        _runtime.Metrics.UdpSessionClosed(session.Route, reason);
        var listener = _runtime.View.Current.UdpListeners.GetValueOrDefault(_bind)?.Name ?? _bind.ToString();
        _runtime.AccessLog?.Write(new AccessLogEntry(
            _runtime.Time.GetUtcNow(), "UDP", "", "", 0, _runtime.Time.GetElapsedTime(session.Started).TotalMilliseconds,
            listener, session.Route, session.Backend.Name, session.Endpoint.Name, 0, error, null,
            session.Client.Address.ToString(), Interlocked.Read(ref session.Received), Interlocked.Read(ref session.Sent)));
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sweep.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
        foreach (var session in _sessions.Values) End(session, "listener_stopped", $"{session.Route}: the listener stopped");
        _stop.Dispose();
    }
}
