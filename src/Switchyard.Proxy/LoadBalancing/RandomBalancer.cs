using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>A uniformly random endpoint.</summary>
internal sealed class RandomBalancer(IRandomSource random) : ILoadBalancer
{
    public EndpointState? Pick(EndpointState[] endpoints, HttpContext context, long now, EndpointState? avoid) =>
        endpoints.Length == 0 ? null : EndpointFilter.ProbeAtRandom(endpoints, random, now, avoid);
}
