using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>
/// Load-balancer layer: picks one endpoint of a backend for a request. Ejected endpoints are skipped while any
/// other is available; <c>avoid</c> is the endpoint a retry should not go back to. Implementations are immutable
/// (built per snapshot) apart from lock-free counters.
/// </summary>
internal interface ILoadBalancer
{
    EndpointState? Pick(EndpointState[] endpoints, HttpContext context, long now, EndpointState? avoid);

    /// <summary>
    /// Called once per attempt with the endpoint picked for it, before forwarding; a balancer that pins clients to
    /// endpoints (sticky cookies) marks the response here. Most balancers do nothing.
    /// </summary>
    void Picked(HttpContext context, EndpointState endpoint)
    {
    }

    /// <summary>
    /// This balancer without the affinity it adds (a sticky cookie): what a rule with its own session persistence
    /// balances with, so that only the rule's session pins the client. Most balancers are their own.
    /// </summary>
    ILoadBalancer WithoutAffinity => this;

    /// <summary>The request header this balancer hashes, if any: the forwarding fields are then set where it reads them.</summary>
    string? HashedHeader => null;
}

/// <summary>Randomness, injected so tests are deterministic.</summary>
internal interface IRandomSource
{
    int Next(int maxExclusive);
}

internal sealed class SharedRandomSource : IRandomSource
{
    public static readonly SharedRandomSource Instance = new();

    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);
}

/// <summary>
/// Which endpoints a balancer may pick. Endpoints failing active health checks are never picked. Among the others,
/// preferred are those not ejected and not <c>avoid</c>; when none is, passive ejection is ignored (panic) rather than
/// failing the request.
/// </summary>
internal static class EndpointFilter
{
    public static bool Usable(EndpointState e, long now, EndpointState? avoid) => !ReferenceEquals(e, avoid) && !e.IsEjected(now) && !e.FailingActiveChecks;

    /// <summary>
    /// The endpoint at <paramref name="start"/> when it is usable. Otherwise its share goes to the usable endpoints
    /// evenly, not to its neighbour: the one <paramref name="spread"/> selects among them (round robin's round, a random
    /// number, a key's hash, so that each policy keeps its own order); with none usable, among those not ejected
    /// (panic), then any. Endpoints failing active health checks never; null when every endpoint fails them.
    /// </summary>
    public static EndpointState? Probe(EndpointState[] endpoints, int start, uint spread, long now, EndpointState? avoid)
    {
        var n = endpoints.Length;
        if (n == 0) return null;
        var first = endpoints[start % n];
        if (Usable(first, now, avoid)) return first;
        for (var tier = 0; tier < 3; tier++)
        {
            var count = 0;
            foreach (var e in endpoints)
            {
                if (Passes(e, tier, now, avoid)) count++;
            }
            if (count == 0) continue;
            var k = (int)(spread % (uint)count);
            foreach (var e in endpoints)
            {
                if (Passes(e, tier, now, avoid) && k-- == 0) return e;
            }
        }
        return null;
    }

    /// <summary><see cref="Probe"/> from a random endpoint, with a random spread: one draw gives both.</summary>
    public static EndpointState? ProbeAtRandom(EndpointState[] endpoints, IRandomSource random, long now, EndpointState? avoid)
    {
        var n = (uint)endpoints.Length;
        if (n == 0) return null;
        var draw = (uint)random.Next(int.MaxValue);
        return Probe(endpoints, (int)(draw % n), draw / n, now, avoid);
    }

    /// <summary>Tier 0: usable; 1: not ejected (whatever <c>avoid</c> says); 2: not failing active health checks.</summary>
    private static bool Passes(EndpointState e, int tier, long now, EndpointState? avoid) => tier switch
    {
        0 => Usable(e, now, avoid),
        1 => !e.IsEjected(now) && !e.FailingActiveChecks,
        _ => !e.FailingActiveChecks,
    };
}
