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
    /// Linear probe from <paramref name="start"/> for a usable endpoint, then for any not ejected, then any; endpoints
    /// failing active health checks never; null when every endpoint fails them.
    /// </summary>
    public static EndpointState? Probe(EndpointState[] endpoints, int start, long now, EndpointState? avoid)
    {
        var n = endpoints.Length;
        if (n == 0) return null;
        for (var i = 0; i < n; i++)
        {
            var e = endpoints[(start + i) % n];
            if (Usable(e, now, avoid)) return e;
        }
        for (var i = 0; i < n; i++)
        {
            var e = endpoints[(start + i) % n];
            if (!e.IsEjected(now) && !e.FailingActiveChecks) return e;
        }
        for (var i = 0; i < n; i++)
        {
            var e = endpoints[(start + i) % n];
            if (!e.FailingActiveChecks) return e;
        }
        return null;
    }
}
