using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// Counters and histograms of the data plane, rendered in the Prometheus text format at the admin address:
/// requests by listener, route, backend and code; request latency by route; active connections; retries;
/// upstream failures by kind; ejections.
/// </summary>
internal sealed class ProxyMetrics
{
    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly ConcurrentDictionary<(string Route, string Backend, int Code), Counter> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new();
    private readonly ConcurrentDictionary<(string Backend, string Kind), Counter> _upstreamErrors = new();
    private long _activeConnections;
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

    public void UpstreamError(string backend, string kind) => _upstreamErrors.GetOrAdd((backend, kind), _ => new Counter()).Increment();

    public void Request(string route, string backend, int code, double seconds)
    {
        _requests.GetOrAdd((route, backend, code), _ => new Counter()).Increment();
        _latency.GetOrAdd(route, _ => new Histogram(Buckets.Length)).Observe(seconds, Buckets);
    }

    public long RequestCount(string route, string backend, int code) => _requests.TryGetValue((route, backend, code), out var c) ? c.Value : 0;

    public string Render()
    {
        var b = new StringBuilder();
        b.Append("# HELP switchyard_proxy_requests_total Requests answered, by route, backend and status code.\n# TYPE switchyard_proxy_requests_total counter\n");
        foreach (var ((route, backend, code), c) in _requests.OrderBy(k => k.Key))
            b.Append(CultureInfo.InvariantCulture, $"switchyard_proxy_requests_total{{route=\"{Escape(route)}\",backend=\"{Escape(backend)}\",code=\"{code}\"}} {c.Value}\n");
        b.Append("# HELP switchyard_proxy_request_duration_seconds Time from request start to the end of the response, by route.\n# TYPE switchyard_proxy_request_duration_seconds histogram\n");
        foreach (var (route, h) in _latency.OrderBy(k => k.Key, StringComparer.Ordinal)) h.Render(b, "switchyard_proxy_request_duration_seconds", $"route=\"{Escape(route)}\"", Buckets);
        b.Append("# HELP switchyard_proxy_upstream_errors_total Failed attempts to backends, by kind (connect, reset, timeout, protocol).\n# TYPE switchyard_proxy_upstream_errors_total counter\n");
        foreach (var ((backend, kind), c) in _upstreamErrors.OrderBy(k => k.Key))
            b.Append(CultureInfo.InvariantCulture, $"switchyard_proxy_upstream_errors_total{{backend=\"{Escape(backend)}\",kind=\"{kind}\"}} {c.Value}\n");
        Scalar(b, "switchyard_proxy_active_connections", "gauge", "Client connections open now.", Interlocked.Read(ref _activeConnections));
        Scalar(b, "switchyard_proxy_connections_total", "counter", "Client connections accepted.", Interlocked.Read(ref _connections));
        Scalar(b, "switchyard_proxy_retries_total", "counter", "Retried attempts.", Interlocked.Read(ref _retries));
        Scalar(b, "switchyard_proxy_retry_budget_exhausted_total", "counter", "Retries not made because the retry budget was spent.", Interlocked.Read(ref _retryBudgetExhausted));
        Scalar(b, "switchyard_proxy_ejections_total", "counter", "Endpoints ejected by outlier detection.", Interlocked.Read(ref _ejections));
        return b.ToString();
    }

    private static void Scalar(StringBuilder b, string name, string type, string help, long value) =>
        b.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private sealed class Counter
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
    }

    private sealed class Histogram(int buckets)
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
