using System.Globalization;
using System.Text;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Metrics;

/// <summary>
/// Counters for the query path, updated with interlocked adds into fixed arrays (no allocation), rendered in the
/// Prometheus text format: requests by type and transport, responses by rcode, a latency histogram, and the
/// forwarding cache and upstream counters read from the forwarder.
/// </summary>
public sealed class DnsMetrics
{
    private static readonly RecordType[] TrackedTypes =
        [RecordType.A, RecordType.AAAA, RecordType.SRV, RecordType.PTR, RecordType.TXT, RecordType.SOA, RecordType.NS, RecordType.CNAME, RecordType.MX, RecordType.ANY];
    private static readonly string[] RcodeNames = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];
    /// <summary>Upper bounds of the latency buckets, in seconds.</summary>
    private static readonly double[] Bounds = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly long[] _byType = new long[(TrackedTypes.Length + 1) * 2];
    private readonly long[] _byRcode = new long[17];
    private readonly long[] _buckets = new long[Bounds.Length + 1];
    private long _durationTicks;
    private long _truncated;
    private long _dropped;
    private readonly TimeProvider _time;

    public DnsMetrics(TimeProvider time) => _time = time;

    /// <summary>Read when rendering: cache hits, misses, upstream errors, cache size, zone names, zone serial.</summary>
    internal Func<(long Hits, long Misses, long UpstreamErrors, int CacheSize)>? Forwarding { get; set; }
    internal Func<(int Names, uint Serial)>? Zone { get; set; }

    internal void Record(RecordType type, ResponseCode rcode, bool tcp, bool truncated, long startTimestamp) =>
        Record(type, rcode, tcp, truncated, _time.GetElapsedTime(startTimestamp));

    /// <summary>Records one answered query that took <paramref name="elapsed"/> (a batch of UDP queries shares one measurement).</summary>
    internal void Record(RecordType type, ResponseCode rcode, bool tcp, bool truncated, TimeSpan elapsed)
    {
        var slot = Array.IndexOf(TrackedTypes, type);
        if (slot < 0) slot = TrackedTypes.Length;
        Interlocked.Increment(ref _byType[slot * 2 + (tcp ? 1 : 0)]);
        Interlocked.Increment(ref _byRcode[Math.Min((int)rcode, 16)]);
        if (truncated) Interlocked.Increment(ref _truncated);
        Interlocked.Add(ref _durationTicks, elapsed.Ticks);
        var seconds = elapsed.TotalSeconds;
        var b = 0;
        while (b < Bounds.Length && seconds > Bounds[b]) b++;
        Interlocked.Increment(ref _buckets[b]);
    }

    internal void RecordDrop() => Interlocked.Increment(ref _dropped);

    public long TotalRequests => _byType.Sum(v => Interlocked.Read(ref v));

    public string Render()
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.Append("# HELP switchyard_dns_requests_total DNS queries received, by question type and transport.\n");
        sb.Append("# TYPE switchyard_dns_requests_total counter\n");
        for (var i = 0; i <= TrackedTypes.Length; i++)
        {
            var type = i < TrackedTypes.Length ? TrackedTypes[i].ToString() : "other";
            for (var t = 0; t < 2; t++)
                sb.Append(c, $"switchyard_dns_requests_total{{type=\"{type}\",proto=\"{(t == 0 ? "udp" : "tcp")}\"}} {Interlocked.Read(ref _byType[i * 2 + t])}\n");
        }
        sb.Append("# HELP switchyard_dns_responses_total DNS responses sent, by response code.\n");
        sb.Append("# TYPE switchyard_dns_responses_total counter\n");
        for (var i = 0; i < _byRcode.Length; i++)
        {
            var value = Interlocked.Read(ref _byRcode[i]);
            if (value == 0 && i >= RcodeNames.Length) continue;
            var name = i < RcodeNames.Length ? RcodeNames[i] : i == 16 ? "BADVERS" : $"RCODE{i}";
            sb.Append(c, $"switchyard_dns_responses_total{{rcode=\"{name}\"}} {value}\n");
        }
        sb.Append("# HELP switchyard_dns_truncated_total UDP responses sent with TC set.\n# TYPE switchyard_dns_truncated_total counter\n");
        sb.Append(c, $"switchyard_dns_truncated_total {Interlocked.Read(ref _truncated)}\n");
        sb.Append("# HELP switchyard_dns_dropped_total Packets dropped without a response (not a query).\n# TYPE switchyard_dns_dropped_total counter\n");
        sb.Append(c, $"switchyard_dns_dropped_total {Interlocked.Read(ref _dropped)}\n");
        sb.Append("# HELP switchyard_dns_request_duration_seconds Time from receiving a query to having its response.\n");
        sb.Append("# TYPE switchyard_dns_request_duration_seconds histogram\n");
        long cumulative = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            cumulative += Interlocked.Read(ref _buckets[i]);
            var le = i < Bounds.Length ? Bounds[i].ToString("R", c) : "+Inf";
            sb.Append(c, $"switchyard_dns_request_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}\n");
        }
        sb.Append(c, $"switchyard_dns_request_duration_seconds_sum {TimeSpan.FromTicks(Interlocked.Read(ref _durationTicks)).TotalSeconds.ToString("R", c)}\n");
        sb.Append(c, $"switchyard_dns_request_duration_seconds_count {cumulative}\n");
        if (Forwarding is { } f)
        {
            var (hits, misses, errors, size) = f();
            sb.Append("# HELP switchyard_dns_cache_hits_total Forwarded questions answered from the cache.\n# TYPE switchyard_dns_cache_hits_total counter\n");
            sb.Append(c, $"switchyard_dns_cache_hits_total {hits}\n");
            sb.Append("# HELP switchyard_dns_cache_misses_total Forwarded questions not in the cache.\n# TYPE switchyard_dns_cache_misses_total counter\n");
            sb.Append(c, $"switchyard_dns_cache_misses_total {misses}\n");
            sb.Append("# HELP switchyard_dns_cache_entries Answers in the cache.\n# TYPE switchyard_dns_cache_entries gauge\n");
            sb.Append(c, $"switchyard_dns_cache_entries {size}\n");
            sb.Append("# HELP switchyard_dns_upstream_errors_total Upstream attempts that failed (timeout, error, SERVFAIL, bad answer).\n# TYPE switchyard_dns_upstream_errors_total counter\n");
            sb.Append(c, $"switchyard_dns_upstream_errors_total {errors}\n");
        }
        if (Zone is { } z)
        {
            var (names, serial) = z();
            sb.Append("# HELP switchyard_dns_zone_names Owner names in the current zone snapshot.\n# TYPE switchyard_dns_zone_names gauge\n");
            sb.Append(c, $"switchyard_dns_zone_names {names}\n");
            sb.Append("# HELP switchyard_dns_zone_serial Serial of the current zone snapshot (increases on every change).\n# TYPE switchyard_dns_zone_serial gauge\n");
            sb.Append(c, $"switchyard_dns_zone_serial {serial}\n");
        }
        return sb.ToString();
    }
}
