using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of <see cref="TableSize"/> slots filled by
/// each endpoint's permutation in turn, so load is even and lookups are O(1). Ejected owners fall back to the next slot.
/// </summary>
internal sealed class MaglevBalancer : ILoadBalancer
{
    public const int TableSize = 65537;
    private readonly HashKey _key;
    private readonly IRandomSource _random;
    private readonly int[] _table;

    public MaglevBalancer(EndpointState[] endpoints, HashKey key, IRandomSource random)
    {
        _key = key;
        _random = random;
        _table = endpoints.Length == 0 ? [] : Build(endpoints);
    }

    private static int[] Build(EndpointState[] endpoints)
    {
        var n = endpoints.Length;
        var offset = new ulong[n];
        var skip = new ulong[n];
        var next = new ulong[n];
        for (var i = 0; i < n; i++)
        {
            offset[i] = Hashing.Fnv1a(endpoints[i].Name + "/offset") % TableSize;
            skip[i] = Hashing.Fnv1a(endpoints[i].Name + "/skip") % (TableSize - 1) + 1;
        }
        var table = new int[TableSize];
        Array.Fill(table, -1);
        var filled = 0;
        while (true)
        {
            for (var i = 0; i < n; i++)
            {
                int slot;
                do
                {
                    slot = (int)((offset[i] + next[i] * skip[i]) % TableSize);
                    next[i]++;
                }
                while (table[slot] >= 0);
                table[slot] = i;
                if (++filled == TableSize) return table;
            }
        }
    }

    public string? HashedHeader => _key.Source == HashKeySource.Header ? _key.Name : null;

    public EndpointState? Pick(EndpointState[] endpoints, HttpContext context, long now, EndpointState? avoid)
    {
        if (endpoints.Length == 0 || _table.Length == 0) return null;
        if (_key.Of(context) is not { } hash) return EndpointFilter.ProbeAtRandom(endpoints, _random, now, avoid);
        var slot = (int)(hash % TableSize);
        // A key whose owner is unusable goes to a usable endpoint chosen by the key's other bits: the owner's keys
        // spread over all of them, each key to the same one while the set stays (Maglev rebuilds its table over the healthy).
        return EndpointFilter.Probe(endpoints, _table[slot], (uint)(hash >> 32), now, avoid);
    }
}
