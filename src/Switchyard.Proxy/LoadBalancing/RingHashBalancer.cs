using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>
/// Consistent hashing on a ring (Ketama style): each endpoint owns <see cref="PointsPerEndpoint"/> points; a request
/// goes to the first point at or after its key's hash. Removing an endpoint moves only the keys it owned. Requests
/// without the key, and keys whose owner is ejected, fall back to the next usable point.
/// </summary>
internal sealed class RingHashBalancer : ILoadBalancer
{
    public const int PointsPerEndpoint = 100;
    private readonly HashKey _key;
    private readonly IRandomSource _random;
    private readonly ulong[] _hashes;
    private readonly int[] _owners;

    public RingHashBalancer(EndpointState[] endpoints, HashKey key, IRandomSource random)
    {
        _key = key;
        _random = random;
        var points = new List<(ulong Hash, int Owner)>(endpoints.Length * PointsPerEndpoint);
        for (var i = 0; i < endpoints.Length; i++)
        {
            for (var p = 0; p < PointsPerEndpoint; p++) points.Add((Hashing.Fnv1a($"{endpoints[i].Name}#{p}"), i));
        }
        points.Sort((a, b) => a.Hash.CompareTo(b.Hash));
        _hashes = [.. points.Select(p => p.Hash)];
        _owners = [.. points.Select(p => p.Owner)];
    }

    public string? HashedHeader => _key.Source == HashKeySource.Header ? _key.Name : null;

    public EndpointState? Pick(EndpointState[] endpoints, HttpContext context, long now, EndpointState? avoid)
    {
        if (endpoints.Length == 0 || _hashes.Length == 0) return null;
        if (_key.Of(context) is not { } hash) return EndpointFilter.ProbeAtRandom(endpoints, _random, now, avoid);
        var index = Array.BinarySearch(_hashes, hash);
        if (index < 0) index = ~index;
        for (var i = 0; i < _hashes.Length; i++)
        {
            var e = endpoints[_owners[(index + i) % _hashes.Length]];
            if (EndpointFilter.Usable(e, now, avoid)) return e;
        }
        return EndpointFilter.Probe(endpoints, _owners[index % _hashes.Length], (uint)(hash >> 32), now, avoid);
    }
}
