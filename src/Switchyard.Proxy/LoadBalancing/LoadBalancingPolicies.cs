using System.Collections.Frozen;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>The policies of the <c>lb.switchyard.dev/policy</c> Service annotation, by name; the default is least-request.</summary>
internal static class LoadBalancingPolicies
{
    public const string LeastRequest = "least-request";
    public const string RoundRobin = "round-robin";
    public const string Random = "random";
    public const string RingHash = "ring-hash";
    public const string Maglev = "maglev";

    public const string Default = LeastRequest;

    /// <summary>Builds a policy's balancer over a backend's endpoints; <paramref name="key"/> is what the hashing policies hash.</summary>
    public delegate ILoadBalancer Factory(EndpointState[] endpoints, HashKey key, IRandomSource random);

    /// <summary>Every policy by name.</summary>
    public static readonly FrozenDictionary<string, Factory> Factories = new Dictionary<string, Factory>(StringComparer.Ordinal)
    {
        [LeastRequest] = static (_, _, random) => new LeastRequestBalancer(random),
        [RoundRobin] = static (_, _, _) => new RoundRobinBalancer(),
        [Random] = static (_, _, random) => new RandomBalancer(random),
        [RingHash] = static (endpoints, key, random) => new RingHashBalancer(endpoints, key, random),
        [Maglev] = static (endpoints, key, random) => new MaglevBalancer(endpoints, key, random),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The names in the order messages and the docs list them.</summary>
    public static readonly IReadOnlyList<string> All = [LeastRequest, RoundRobin, Random, RingHash, Maglev];
}
