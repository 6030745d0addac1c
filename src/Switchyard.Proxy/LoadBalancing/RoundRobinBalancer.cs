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
        var turn = Interlocked.Increment(ref _next);
        var n = (uint)endpoints.Length;
        // An endpoint that cannot take its turn gives it to the usable ones in rotation (by the round), as if the
        // rotation ran over the usable endpoints only.
        return EndpointFilter.Probe(endpoints, (int)(turn % n), turn / n, now, avoid);
    }
}
