using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// Counters and histograms of the data plane, rendered in the Prometheus text format at the admin address:
/// requests by listener, route, backend and code; request latency by route; active connections; retries;
/// upstream failures by kind; ejections; circuit-breaker refusals; rate limiting; authentication refusals; remote key set fetches; injected faults; mirrored copies; external authorization verdicts; active health;
/// connections and bytes of TLS and TCP listeners; sessions, datagrams, bytes and drops of UDP listeners; then the
/// process's own (<see cref="ProcessMetrics"/>).
/// </summary>
internal sealed class ProxyMetrics
{
    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly ConcurrentDictionary<(string Route, string Backend), RouteBackend> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new();
    private readonly CounterFamily _upstreamErrors = new("switchyard_proxy_upstream_errors_total", "Failed attempts to backends, by kind (connect, reset, timeout, protocol).", "backend", "kind");
    private readonly CounterFamily _circuitOpen = new("switchyard_proxy_circuit_open_total", "Requests, retries or UDP sessions refused by a backend's circuit breaker, by limit (requests, pending, retries, connections).", "backend", "limit");
    private readonly CounterFamily _rateLimited = new("switchyard_proxy_rate_limited_total", "Requests answered 429 by a route's local rate limit.", "route");
    private readonly CounterFamily _authRefused = new("switchyard_proxy_auth_refused_total", "Requests answered 401 by a route's JWT or Basic authentication or 403 by its authorization, by route and reason (jwt_missing, jwt_expired, jwt_signature, ..., basic_missing, basic_invalid, authz_rule, authz_default).", "route", "reason");
    private readonly CounterFamily _jwksFetches = new("switchyard_proxy_jwks_fetch_total", "Fetches of remote JSON Web Key Sets, by URI and result (ok; connect, tls, timeout, status, too_large, invalid: failed, the last good key set kept).", "uri", "result");
    private readonly CounterFamily _faults = new("switchyard_proxy_faults_injected_total", "Faults injected by HTTPTrafficFilters, by route and kind (delay, abort).", "route", "kind");
    private readonly CounterFamily _mirrors = new("switchyard_proxy_mirror_requests_total", "RequestMirror copies, by route and result (sent: answered, failed: no endpoint or not answered, dropped: body too large or unframed, or too many copies in flight).", "route", "result");
    private readonly CounterFamily _sessions = new("switchyard_proxy_session_persistence_total", "Requests on route rules with sessionPersistence, by route and session (pinned: a valid session chose the endpoint; none: no session sent; expired: past its absolute or idle timeout; invalid: not sealed for this rule (forged, altered, another rule's or another gateway process's); unavailable: its endpoint is gone, not ready, ejected or failing health checks). All but pinned are balanced and start a new session.", "route", "result");
    private readonly CounterFamily _clientCertificates = new("switchyard_proxy_client_certificates_total", "TLS handshakes on listeners that validate client certificates, by Gateway port and result (verified; refused: none or untrusted under AllowValidOnly; unverified: let through by AllowInsecureFallback).", "listener", "result");
    private readonly CounterFamily _externalAuth = new("switchyard_proxy_external_auth_total", "Requests checked by ExternalAuth filters, by route and result (allowed: the service answered 200, denied: it answered another status, which went to the client, failed: no verdict, the request refused by the proxy).", "route", "result");
    private readonly CounterFamily _healthChecks = new("switchyard_proxy_health_checks_total", "Active health checks, by backend, endpoint and result (pass, fail).", "backend", "endpoint", "result");
    private readonly CounterFamily _tlsConnections = new("switchyard_proxy_tls_connections_total", "Connections on TLS listeners, by TLSRoute (\"\" when none matched) and result (forwarded, not_tls, no_route, unvalidated, no_backend, circuit_open, connect_failed).", "route", "result");
    private readonly CounterFamily _tlsBytes = new("switchyard_proxy_tls_bytes_total", "Bytes relayed for TLS listeners, by TLSRoute and direction (received from clients, sent to clients).", "route", "direction");
    private readonly CounterFamily _tcpConnections = new("switchyard_proxy_tcp_connections_total", "Connections on TCP listeners, by TCPRoute (\"\" when none is attached) and result (forwarded, no_route, no_backend, circuit_open, connect_failed).", "route", "result");
    private readonly CounterFamily _tcpBytes = new("switchyard_proxy_tcp_bytes_total", "Bytes relayed for TCP listeners, by TCPRoute and direction (received from clients, sent to clients).", "route", "direction");
    private readonly CounterFamily _udpSessions = new("switchyard_proxy_udp_sessions_total", "Sessions of UDP listeners (one per client source address and port) that ended, by UDPRoute and why (idle: no datagram either way for the idle timeout; endpoint_removed: its endpoint left the route; listener_stopped).", "route", "end");
    private readonly CounterFamily _udpDatagrams = new("switchyard_proxy_udp_datagrams_total", "Datagrams relayed for UDP listeners, by UDPRoute and direction (received from clients and sent to endpoints, sent to clients).", "route", "direction");
    private readonly CounterFamily _udpBytes = new("switchyard_proxy_udp_bytes_total", "Bytes relayed for UDP listeners, by UDPRoute and direction (received from clients, sent to clients).", "route", "direction");
    private readonly CounterFamily _udpDropped = new("switchyard_proxy_udp_dropped_total", "Datagrams of UDP listeners not relayed, by UDPRoute (\"\" when none is attached) and reason (no_route, no_backend, no_endpoint, session_limit: the listener's session limit reached, send_failed, upstream_refused: the endpoint answered ICMP port unreachable, reply_failed, receive_error).", "route", "reason");
    private readonly CounterFamily _proxyProtocol = new("switchyard_proxy_proxy_protocol_total", "Connections on listeners that accept the PROXY protocol, by listener and result (accepted; local: a v2 LOCAL or v1 UNKNOWN header, the connection's own address kept; missing: no header; malformed; timeout: none complete in time; closed: the client left first). Only accepted and local connections are served.", "listener", "result");
    private readonly ConcurrentDictionary<(string Backend, string Endpoint), bool> _endpointHealthy = new();
    private long _activeConnections;
    private long _activeUdpSessions;
    private long _connections;
    private long _retries;
    private long _ejections;
    private long _retryBudgetExhausted;

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _activeConnections);
        Interlocked.Increment(ref _connections);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _activeConnections);

    public void Retry() => Interlocked.Increment(ref _retries);

    public void RetryBudgetExhausted() => Interlocked.Increment(ref _retryBudgetExhausted);

    public void Ejection() => Interlocked.Increment(ref _ejections);

    public long Retries => Interlocked.Read(ref _retries);

    public long Ejections => Interlocked.Read(ref _ejections);

    public void UpstreamError(string backend, string kind) => _upstreamErrors.Increment(backend, kind);

    public void CircuitOpen(string backend, string limit) => _circuitOpen.Increment(backend, limit);

    public long CircuitOpenCount(string backend, string limit) => _circuitOpen.Value(backend, limit);

    public void RateLimited(string route) => _rateLimited.Increment(route);

    public long RateLimitedCount(string route) => _rateLimited.Value(route);

    public void AuthRefused(string route, string reason) => _authRefused.Increment(route, reason);

    public long AuthRefusedCount(string route, string reason) => _authRefused.Value(route, reason);

    /// <summary>Counts one fetch of the remote key set at <paramref name="uri"/> (<see cref="Auth.RemoteJwks"/> names the results).</summary>
    public void JwksFetch(string uri, string result) => _jwksFetches.Increment(uri, result);

    public long JwksFetchCount(string uri, string result) => _jwksFetches.Value(uri, result);

    public void FaultInjected(string route, string kind) => _faults.Increment(route, kind);

    public long FaultCount(string route, string kind) => _faults.Value(route, kind);

    /// <summary>Counts one RequestMirror copy of <paramref name="route"/>: <c>sent</c>, <c>failed</c> or <c>dropped</c>.</summary>
    public void Mirror(string route, string result) => _mirrors.Increment(route, result);

    public long MirrorCount(string route, string result) => _mirrors.Value(route, result);

    /// <summary>Counts one request on a rule with sessionPersistence: <c>pinned</c>, <c>none</c>, <c>expired</c>, <c>invalid</c> or <c>unavailable</c>.</summary>
    public void Session(string route, string result) => _sessions.Increment(route, result);

    public long SessionCount(string route, string result) => _sessions.Value(route, result);

    /// <param name="result">verified, refused or unverified.</param>
    public void ClientCertificate(string listener, string result) => _clientCertificates.Increment(listener, result);

    public long ClientCertificateCount(string listener, string result) => _clientCertificates.Value(listener, result);

    /// <summary>Counts one ExternalAuth check of <paramref name="route"/>: <c>allowed</c>, <c>denied</c> or <c>failed</c>.</summary>
    public void ExternalAuth(string route, string result) => _externalAuth.Increment(route, result);

    public long ExternalAuthCount(string route, string result) => _externalAuth.Value(route, result);

    public void HealthCheck(string backend, string endpoint, bool passed) => _healthChecks.Increment(backend, endpoint, passed ? "pass" : "fail");

    public long HealthCheckCount(string backend, string endpoint, bool passed) => _healthChecks.Value(backend, endpoint, passed ? "pass" : "fail");

    public long HealthCheckCount(Endpoints.EndpointState endpoint, bool passed) => HealthCheckCount(endpoint.Backend, endpoint.Name, passed);

    /// <summary>Counts one connection on a TLS listener and the bytes relayed for it.</summary>
    public void TlsConnection(string route, string result, long received, long sent) => Count(_tlsConnections, _tlsBytes, route, result, received, sent);

    public long TlsConnectionCount(string route, string result) => _tlsConnections.Value(route, result);

    /// <summary>Counts one connection's PROXY protocol header on a listener that accepts it.</summary>
    public void ProxyProtocol(string listener, string result) => _proxyProtocol.Increment(listener, result);

    public long ProxyProtocolCount(string listener, string result) => _proxyProtocol.Value(listener, result);

    public long TlsBytes(string route, string direction) => _tlsBytes.Value(route, direction);

    /// <summary>Counts one connection on a TCP listener and the bytes relayed for it.</summary>
    public void TcpConnection(string route, string result, long received, long sent) => Count(_tcpConnections, _tcpBytes, route, result, received, sent);

    public long TcpConnectionCount(string route, string result) => _tcpConnections.Value(route, result);

    public long TcpBytes(string route, string direction) => _tcpBytes.Value(route, direction);

    /// <summary>Counts one session of a UDP listener opened.</summary>
    public void UdpSessionOpened() => Interlocked.Increment(ref _activeUdpSessions);

    /// <summary>Counts one session of a UDP listener ended, and why (<paramref name="end"/>: idle, endpoint_removed, listener_stopped).</summary>
    public void UdpSessionClosed(string route, string end)
    {
        Interlocked.Decrement(ref _activeUdpSessions);
        _udpSessions.Increment(route, end);
    }

    public long UdpActiveSessions => Interlocked.Read(ref _activeUdpSessions);

    public long UdpSessionCount(string route, string end) => _udpSessions.Value(route, end);

    /// <summary>
    /// The datagram and byte counters of <paramref name="route"/>, both directions: looked up once per session, then
    /// added to per datagram without hashing the route's name again.
    /// </summary>
    public UdpCounters Udp(string route) => new(_udpDatagrams.Get(route, "received"), _udpBytes.Get(route, "received"),
        _udpDatagrams.Get(route, "sent"), _udpBytes.Get(route, "sent"));

    public long UdpDatagramCount(string route, string direction) => _udpDatagrams.Value(route, direction);

    public long UdpBytes(string route, string direction) => _udpBytes.Value(route, direction);

    /// <summary>Counts one datagram of a UDP listener not relayed, and why.</summary>
    public void UdpDropped(string route, string reason) => _udpDropped.Increment(route, reason);

    public long UdpDroppedCount(string route, string reason) => _udpDropped.Value(route, reason);

    private static void Count(CounterFamily connections, CounterFamily bytes, string route, string result, long received, long sent)
    {
        connections.Increment(route, result);
        if (received > 0) bytes.Add(route, "received", received);
        if (sent > 0) bytes.Add(route, "sent", sent);
    }

    /// <summary>Records whether an actively checked endpoint passes its checks; null when it is no longer checked.</summary>
    public void EndpointHealth(string backend, string endpoint, bool? healthy)
    {
        if (healthy is { } h) _endpointHealthy[(backend, endpoint)] = h;
        else _endpointHealthy.TryRemove((backend, endpoint), out _);
    }

    public void Request(string route, string backend, int code, double seconds) => For(route, backend).Request(code, seconds);

    /// <summary>
    /// The counters of requests of <paramref name="route"/> sent to <paramref name="backend"/> (both "" when none was
    /// reached): looked up once, then kept by whoever counts that pair often (<see cref="Routing.RouteRule.Metrics"/>).
    /// </summary>
    public RouteBackend For(string route, string backend) =>
        _requests.TryGetValue((route, backend), out var found) ? found
        : _requests.GetOrAdd((route, backend), static (key, latency) => new RouteBackend(key.Route, key.Backend,
            latency.GetOrAdd(key.Route, _ => new Histogram(Buckets.Length))), _latency);

    /// <summary>Requests answered so far, all routes and codes.</summary>
    public long RequestsAnswered => _requests.Values.Sum(c => c.Total);

    public long RequestCount(string route, string backend, int code) => _requests.TryGetValue((route, backend), out var c) ? c.Count(code) : 0;

    public string Render()
    {
        var b = new StringBuilder();
        b.Append("# HELP switchyard_proxy_requests_total Requests answered, by route, backend and status code.\n# TYPE switchyard_proxy_requests_total counter\n");
        foreach (var ((route, backend), counters) in _requests.OrderBy(k => k.Key))
        {
            foreach (var (code, c) in counters.Codes.OrderBy(k => k.Key))
                b.Append(CultureInfo.InvariantCulture, $"switchyard_proxy_requests_total{{route=\"{Escape(route)}\",backend=\"{Escape(backend)}\",code=\"{code}\"}} {c.Value}\n");
        }
        b.Append("# HELP switchyard_proxy_request_duration_seconds Time from request start to the end of the response, by route.\n# TYPE switchyard_proxy_request_duration_seconds histogram\n");
        foreach (var (route, h) in _latency.OrderBy(k => k.Key, StringComparer.Ordinal)) h.Render(b, "switchyard_proxy_request_duration_seconds", $"route=\"{Escape(route)}\"", Buckets);
        _upstreamErrors.Render(b);
        _circuitOpen.Render(b);
        _rateLimited.Render(b);
        _authRefused.Render(b);
        _jwksFetches.Render(b);
        _faults.Render(b);
        _mirrors.Render(b);
        _sessions.Render(b);
        _clientCertificates.Render(b);
        _externalAuth.Render(b);
        _healthChecks.Render(b);
        _tlsConnections.Render(b);
        _tlsBytes.Render(b);
        _tcpConnections.Render(b);
        _tcpBytes.Render(b);
        _udpSessions.Render(b);
        _udpDatagrams.Render(b);
        _udpBytes.Render(b);
        _udpDropped.Render(b);
        _proxyProtocol.Render(b);
        b.Append("# HELP switchyard_proxy_endpoint_healthy 1 while an actively health-checked endpoint passes its checks, else 0.\n# TYPE switchyard_proxy_endpoint_healthy gauge\n");
        foreach (var ((backend, endpoint), healthy) in _endpointHealthy.OrderBy(k => k.Key.Backend, StringComparer.Ordinal).ThenBy(k => k.Key.Endpoint, StringComparer.Ordinal))
            b.Append(CultureInfo.InvariantCulture, $"switchyard_proxy_endpoint_healthy{{backend=\"{Escape(backend)}\",endpoint=\"{Escape(endpoint)}\"}} {(healthy ? 1 : 0)}\n");
        Scalar(b, "switchyard_proxy_active_connections", "gauge", "Client connections open now.", Interlocked.Read(ref _activeConnections));
        Scalar(b, "switchyard_proxy_connections_total", "counter", "Client connections accepted.", Interlocked.Read(ref _connections));
        Scalar(b, "switchyard_proxy_udp_active_sessions", "gauge", "Sessions of UDP listeners open now.", Interlocked.Read(ref _activeUdpSessions));
        Scalar(b, "switchyard_proxy_retries_total", "counter", "Retried attempts.", Interlocked.Read(ref _retries));
        Scalar(b, "switchyard_proxy_retry_budget_exhausted_total", "counter", "Retries not made because the retry budget was spent.", Interlocked.Read(ref _retryBudgetExhausted));
        Scalar(b, "switchyard_proxy_ejections_total", "counter", "Endpoints ejected by outlier detection.", Interlocked.Read(ref _ejections));
        ProcessMetrics.Render(b);
        return b.ToString();
    }

    private static void Scalar(StringBuilder b, string name, string type, string help, long value) =>
        b.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>A counter with one to three labels, rendered with its HELP and TYPE lines.</summary>
    private sealed class CounterFamily(string name, string help, params string[] labels)
    {
        private readonly ConcurrentDictionary<(string, string, string), Counter> _counters = new();

        public void Increment(string a, string b = "", string c = "") => _counters.GetOrAdd((a, b, c), _ => new Counter()).Add(1);

        public void Add(string a, string b, long n) => _counters.GetOrAdd((a, b, ""), _ => new Counter()).Add(n);

        public long Value(string a, string b = "", string c = "") => _counters.TryGetValue((a, b, c), out var counter) ? counter.Value : 0;

        /// <summary>The counter for these labels, created at 0 (and so rendered) if there was none.</summary>
        public Counter Get(string a, string b) => _counters.GetOrAdd((a, b, ""), _ => new Counter());

        public void Render(StringBuilder b)
        {
            b.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n");
            foreach (var ((x, y, z), c) in _counters.OrderBy(k => k.Key))
            {
                var second = labels.Length > 1 ? $",{labels[1]}=\"{Escape(y)}\"" : "";
                var third = labels.Length > 2 ? $",{labels[2]}=\"{Escape(z)}\"" : "";
                b.Append(CultureInfo.InvariantCulture, $"{name}{{{labels[0]}=\"{Escape(x)}\"{second}{third}}} {c.Value}\n");
            }
        }
    }

    /// <summary>The datagram and byte counters of one UDPRoute, as a session keeps them (<see cref="Udp"/>).</summary>
    internal sealed class UdpCounters(Counter receivedDatagrams, Counter receivedBytes, Counter sentDatagrams, Counter sentBytes)
    {
        /// <summary>Counts a datagram from a client delivered to the endpoint.</summary>
        public void Received(int bytes)
        {
            receivedDatagrams.Increment();
            receivedBytes.Add(bytes);
        }

        /// <summary>Counts a datagram from the endpoint sent to the client.</summary>
        public void Sent(int bytes)
        {
            sentDatagrams.Increment();
            sentBytes.Add(bytes);
        }
    }

    /// <summary>Requests of one route to one backend: a count per status code, and the route's latency histogram.</summary>
    internal sealed class RouteBackend(string route, string backend, Histogram latency)
    {
        private readonly ConcurrentDictionary<int, Counter> _codes = new();

        public string Route => route;
        public string Backend => backend;
        public IEnumerable<KeyValuePair<int, Counter>> Codes => _codes;
        public long Total => _codes.Values.Sum(c => c.Value);

        public long Count(int code) => _codes.TryGetValue(code, out var c) ? c.Value : 0;

        public void Request(int code, double seconds)
        {
            (_codes.TryGetValue(code, out var c) ? c : _codes.GetOrAdd(code, static _ => new Counter())).Increment();
            latency.Observe(seconds, Buckets);
        }
    }

    internal sealed class Counter
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
        public void Add(long n) => Interlocked.Add(ref _value, n);
    }

    internal sealed class Histogram(int buckets)
    {
        private readonly long[] _counts = new long[buckets + 1];
        private long _sumMicros;

        public void Observe(double seconds, double[] bounds)
        {
            var i = 0;
            while (i < bounds.Length && seconds > bounds[i]) i++;
            Interlocked.Increment(ref _counts[i]);
            Interlocked.Add(ref _sumMicros, (long)(seconds * 1e6));
        }

        public void Render(StringBuilder b, string name, string labels, double[] bounds)
        {
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref _counts[i]);
                b.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"{bounds[i]}\"}} {cumulative}\n");
            }
            cumulative += Interlocked.Read(ref _counts[^1]);
            b.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}\n");
            b.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{labels}}} {Interlocked.Read(ref _sumMicros) / 1e6}\n");
            b.Append(CultureInfo.InvariantCulture, $"{name}_count{{{labels}}} {cumulative}\n");
        }
    }
}
