using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Forwarding;

/// <summary>
/// Caches upstream answers by (name, type) for as long as their TTLs allow: a positive answer for its smallest TTL, a
/// negative one (NXDOMAIN, or NOERROR without answers) for min(SOA TTL, SOA minimum) as RFC 2308 says, capped by
/// <see cref="MaxTtl"/>. A hit returns the records with their TTLs reduced by the time spent in the cache.
/// SERVFAIL and answers without an SOA to bound a negative answer are not cached. Thread-safe.
/// </summary>
internal sealed class ResponseCache
{
    private readonly Dictionary<(string Name, RecordType Type), Entry> _entries = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly int _capacity;

    public ResponseCache(int capacity, uint maxTtl, TimeProvider time)
    {
        _capacity = capacity;
        MaxTtl = maxTtl;
        _time = time;
    }

    public uint MaxTtl { get; }

    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    public bool TryGet(DnsQuestion question, out UpstreamAnswer answer)
    {
        answer = null!;
        var key = (DnsNames.Lower(question.Name), question.Type);
        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out entry!)) return false;
        }
        var age = (uint)_time.GetElapsedTime(entry.StoredAt).TotalSeconds;
        if (age >= entry.Ttl)
        {
            lock (_lock) _entries.Remove(key);
            return false;
        }
        answer = entry.Answer with
        {
            Answers = Age(entry.Answer.Answers, age),
            Authority = Age(entry.Answer.Authority, age),
            Additional = Age(entry.Answer.Additional, age),
            FromCache = true,
        };
        return true;
    }

    public void Store(DnsQuestion question, UpstreamAnswer answer)
    {
        var ttl = TtlOf(answer);
        if (ttl == 0) return;
        var key = (DnsNames.Lower(question.Name), question.Type);
        lock (_lock)
        {
            if (_entries.Count >= _capacity && !_entries.ContainsKey(key)) Evict();
            _entries[key] = new Entry(answer, _time.GetTimestamp(), Math.Min(ttl, MaxTtl));
        }
    }

    /// <summary>How long an answer may be cached (0: not at all).</summary>
    public static uint TtlOf(UpstreamAnswer answer)
    {
        if (answer.Rcode is not (ResponseCode.NoError or ResponseCode.NXDomain)) return 0;
        if (answer.Rcode == ResponseCode.NoError && answer.Answers.Count > 0) return answer.Answers.Min(r => r.Ttl);
        var soa = answer.Authority.FirstOrDefault(r => r.Type == RecordType.SOA);
        return soa is { Data: SoaData data } ? Math.Min(soa.Ttl, data.Minimum) : 0;
    }

    private void Evict()
    {
        var now = _time.GetTimestamp();
        var expired = _entries.Where(kv => _time.GetElapsedTime(kv.Value.StoredAt, now).TotalSeconds >= kv.Value.Ttl).Select(kv => kv.Key).ToList();
        foreach (var k in expired) _entries.Remove(k);
        if (_entries.Count < _capacity) return;
        // Still full: drop the entries closest to expiry, a tenth of the cache at a time.
        foreach (var k in _entries.OrderBy(kv => kv.Value.Ttl - _time.GetElapsedTime(kv.Value.StoredAt, now).TotalSeconds)
                     .Take(Math.Max(1, _capacity / 10)).Select(kv => kv.Key).ToList())
        {
            _entries.Remove(k);
        }
    }

    private static List<DnsRecord> Age(IReadOnlyList<DnsRecord> records, uint age) =>
        records.Select(r => r with { Ttl = r.Ttl > age ? r.Ttl - age : 0 }).ToList();

    private sealed record Entry(UpstreamAnswer Answer, long StoredAt, uint Ttl);
}

/// <summary>What an upstream said about one question.</summary>
internal sealed record UpstreamAnswer(ResponseCode Rcode, IReadOnlyList<DnsRecord> Answers, IReadOnlyList<DnsRecord> Authority, IReadOnlyList<DnsRecord> Additional)
{
    public bool FromCache { get; init; }
}
