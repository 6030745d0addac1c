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
        var start = (int)(Interlocked.Increment(ref _next) % (uint)endpoints.Length);
        return EndpointFilter.Probe(endpoints, start, now, avoid);
    }
}
