using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>Each endpoint in turn (a shared counter per backend).</summary>
internal sealed class RoundRobinBalancer : ILoadBalancer
{
    private uint _next;

    public EndpointState? Pick(EndpointState[] endpoints, HttpContext context, long now, EndpointState? avoid)
    {
        if (endpoints.Length == 0) return null;
        // A retry (an endpoint to avoid) takes no turn of its own: it goes on from the current one. Were it to take one,
        // with one of two endpoints failing, every retry would move the rotation back onto the failing endpoint for the
        // next request's first attempt.
        var turn = avoid is null ? Interlocked.Increment(ref _next) : Volatile.Read(ref _next) + 1;
        var n = (uint)endpoints.Length;
        // An endpoint that cannot take its turn gives it to the usable ones in rotation (by the round), as if the
        // rotation ran over the usable endpoints only.
        return EndpointFilter.Probe(endpoints, (int)(turn % n), turn / n, now, avoid);
    }
}
