using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Endpoints;

/// <summary>
/// Runs one prober per endpoint that some backend wants checked (<see cref="HealthCheckPolicy"/>), started and stopped
/// by <see cref="Reconcile"/> after every compile. A prober sends GET PATH over a real HTTP client, counts passes and
/// failures in a row, and flips <see cref="EndpointState.FailingActiveChecks"/> at the thresholds; the load
/// balancers send no new request to an endpoint while that flag is set. Endpoints reached with the PROXY protocol get
/// the health-check header first on each check connection (<see cref="ProxyHeaderWriter.HealthCheck"/>), before TLS
/// when their pool has it.
/// </summary>
internal sealed class ActiveHealthChecker : IAsyncDisposable
{
    /// <summary>The client of endpoints without TLS or PROXY protocol; always kept.</summary>
    private static readonly (ProxyProtocolVersion, string?) Plain = (ProxyProtocolVersion.None, null);

    private readonly Dictionary<EndpointState, Prober> _probers = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<(ProxyProtocolVersion ProxyProtocol, string? TlsKey), HttpClient> _clients = new();
    private readonly TimeProvider _time;
    private readonly ProxyMetrics _metrics;

    public ActiveHealthChecker(TimeProvider time, ProxyMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
        _clients[Plain] = Client(Handler());
    }

    private static SocketsHttpHandler Handler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    };

    private static HttpClient Client(SocketsHttpHandler handler)
    {
        var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("switchyard-health-check");
        return client;
    }

    private static (ProxyProtocolVersion, string?) KeyOf(EndpointState endpoint) => (endpoint.Pool.ProxyProtocol, endpoint.Pool.Tls?.Key);

    /// <summary>
    /// The client for <paramref name="endpoint"/>: over TLS, with its BackendTLSPolicy's checks, when its pool has TLS;
    /// writing the PROXY protocol health-check header first when its pool sends the PROXY protocol. One client per
    /// (PROXY protocol version, TLS settings), so connections of differently reached endpoints are never shared.
    /// </summary>
    private (HttpClient Client, string Scheme) ClientFor(EndpointState endpoint)
    {
        var pool = endpoint.Pool;
        var client = _clients.GetOrAdd(KeyOf(endpoint), static (_, p) => Client(Connecting(p.ProxyProtocol, p.Tls)), pool);
        return (client, pool.Tls is null ? "http" : "https");
    }

    private static SocketsHttpHandler Connecting(ProxyProtocolVersion proxyProtocol, UpstreamTls? tls)
    {
        var handler = Handler();
        if (proxyProtocol == ProxyProtocolVersion.None) return tls is null ? handler : tls.Connecting(handler, SslApplicationProtocol.Http11);
        handler.ConnectCallback = (connection, cancellationToken) => UpstreamConnect.OpenAsync(connection.DnsEndPoint,
            socket => ProxyHeaderWriter.HealthCheck(proxyProtocol, socket.LocalEndPoint as IPEndPoint, socket.RemoteEndPoint as IPEndPoint), tls,
            SslApplicationProtocol.Http11, cancellationToken);
        return handler;
    }

    /// <summary>Starts probers for new (endpoint, policy) pairs and stops the others; stopped endpoints count as healthy again.</summary>
    public void Reconcile(IReadOnlyDictionary<EndpointState, HealthCheckPolicy> wanted)
    {
        lock (_gate)
        {
            foreach (var (endpoint, prober) in _probers.ToList())
            {
                var checkedStill = wanted.TryGetValue(endpoint, out var policy);
                if (checkedStill && policy == prober.Policy) continue;
                prober.Stop();
                _probers.Remove(endpoint);
                // A changed policy (an interval tuned during an incident) starts a new prober from what the old one found:
                // an endpoint failing its checks stays out of rotation until it passes the healthy threshold.
                if (checkedStill) continue;
                endpoint.SetFailingActiveChecks(false, null);
                _metrics.EndpointHealth(endpoint.Backend, endpoint.Name, null);
            }
            // Clients for TLS or PROXY protocol settings no checked endpoint uses any more go, once a probe still running on one has had time to end.
            var liveKeys = wanted.Keys.Select(KeyOf).ToHashSet();
            liveKeys.Add(Plain);
            _clients.RetireUnless(liveKeys.Contains, static client => client, TimeSpan.FromMinutes(1), _time);
            foreach (var (endpoint, policy) in wanted)
            {
                if (_probers.ContainsKey(endpoint)) continue;
                var prober = new Prober(endpoint, policy, this);
                _probers[endpoint] = prober;
                _metrics.EndpointHealth(endpoint.Backend, endpoint.Name, !endpoint.FailingActiveChecks);
                prober.Start();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Prober[] all;
        lock (_gate)
        {
            all = [.. _probers.Values];
            _probers.Clear();
        }
        foreach (var p in all) p.Stop();
        await Task.WhenAll(all.Select(p => p.Running)).ConfigureAwait(false);
        foreach (var client in _clients.Values) client.Dispose();
    }

    private sealed class Prober(EndpointState endpoint, HealthCheckPolicy policy, ActiveHealthChecker owner)
    {
        private readonly CancellationTokenSource _stop = new();
        private int _passes;
        private int _failures;

        public HealthCheckPolicy Policy => policy;

        public Task Running { get; private set; } = Task.CompletedTask;

        public void Start() => Running = Task.Run(() => LoopAsync(_stop.Token));

        public void Stop()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the loop has ended already
            }
        }

        private async Task LoopAsync(CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var failure = await ProbeAsync(stop).ConfigureAwait(false);
                    if (stop.IsCancellationRequested) break;
                    Record(failure);
                    await Task.Delay(policy.Interval, owner._time, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            finally
            {
                _stop.Dispose();
            }
        }

        /// <summary>Null when the check passed; otherwise why it failed.</summary>
        private async Task<string?> ProbeAsync(CancellationToken stop)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(policy.Timeout);
            var address = endpoint.Address;
            var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address.Address}]" : address.Address.ToString();
            var (client, scheme) = owner.ClientFor(endpoint);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{host}:{address.Port}{policy.Path}");
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                return policy.ExpectedStatuses.Contains(status) ? null : $"GET {policy.Path} answered {status}, expected {policy.ExpectedStatuses}";
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                return $"GET {policy.Path} timed out after {policy.Timeout.TotalMilliseconds}ms";
            }
            catch (HttpRequestException e)
            {
                return $"GET {policy.Path} failed: {(e.InnerException is System.Security.Authentication.AuthenticationException tls ? $"TLS: {tls.Message}" : e.Message)}";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Anything else is a failed check too: a prober that ended here would leave its endpoint's state as it was, for good.
                return $"GET {policy.Path} failed: {e.GetType().Name}: {e.Message}";
            }
        }

        private void Record(string? failure)
        {
            owner._metrics.HealthCheck(endpoint.Backend, endpoint.Name, failure is null);
            if (failure is null)
            {
                _failures = 0;
                if (!endpoint.FailingActiveChecks) endpoint.SetFailingActiveChecks(false, null);
                else if (++_passes >= policy.HealthyThreshold)
                {
                    endpoint.SetFailingActiveChecks(false, null);
                    owner._metrics.EndpointHealth(endpoint.Backend, endpoint.Name, true);
                }
                return;
            }
            _passes = 0;
            endpoint.SetFailingActiveChecks(endpoint.FailingActiveChecks, failure);
            if (++_failures >= policy.UnhealthyThreshold && !endpoint.FailingActiveChecks)
            {
                endpoint.SetFailingActiveChecks(true, failure);
                owner._metrics.EndpointHealth(endpoint.Backend, endpoint.Name, false);
            }
        }
    }
}
