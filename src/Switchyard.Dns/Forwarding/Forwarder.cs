using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Forwarding;

/// <summary>Answers questions outside the zone: from the cache when it can, else from the upstreams (then cached).</summary>
internal sealed class Forwarder
{
    private readonly UpstreamClient _client;
    private readonly ResponseCache _cache;
    private long _hits;
    private long _misses;

    public Forwarder(UpstreamClient client, ResponseCache cache)
    {
        _client = client;
        _cache = cache;
    }

    public long CacheHits => Interlocked.Read(ref _hits);
    public long CacheMisses => Interlocked.Read(ref _misses);
    public long UpstreamErrors => Volatile.Read(ref _client.Errors);
    public int CacheSize => _cache.Count;

    /// <summary>The answer, or null when no upstream gave a usable one (the caller answers SERVFAIL).</summary>
    public async ValueTask<UpstreamAnswer?> ResolveAsync(DnsQuestion question, bool checkingDisabled, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(question, out var cached))
        {
            Interlocked.Increment(ref _hits);
            return cached;
        }
        Interlocked.Increment(ref _misses);
        var answer = await _client.QueryAsync(question, checkingDisabled, cancellationToken).ConfigureAwait(false);
        if (answer is not null) _cache.Store(question, answer);
        return answer;
    }
}
