using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>
/// Least request with the power of two choices (the default): two random distinct endpoints, the one with fewer
/// requests in flight wins. Nearly as good as a full scan, constant time, and no herd on the single least-loaded endpoint.
/// </summary>
internal sealed class LeastRequestBalancer(IRandomSource random) : ILoadBalancer
{
    public EndpointState? Pick(EndpointState[] endpoints, HttpContext context, long now, EndpointState? avoid)
    {
        var n = endpoints.Length;
        if (n == 0) return null;
        if (n == 1) return endpoints[0].FailingActiveChecks ? null : endpoints[0];
        var i = random.Next(n);
        var j = random.Next(n - 1);
        if (j >= i) j++;
        var a = endpoints[i];
        var b = endpoints[j];
        var aOk = EndpointFilter.Usable(a, now, avoid);
        var bOk = EndpointFilter.Usable(b, now, avoid);
        if (aOk && bOk) return b.InFlight < a.InFlight ? b : a;
        if (aOk) return a;
        if (bOk) return b;
        return EndpointFilter.Probe(endpoints, i, (uint)random.Next(int.MaxValue), now, avoid);
    }
}
