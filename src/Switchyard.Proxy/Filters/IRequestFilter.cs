using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Filters;

/// <summary>Filter layer: changes the request in place before it is forwarded (headers, host, path).</summary>
internal interface IRequestFilter
{
    void Apply(HttpContext context, RouteEntry matched, ref RequestEdits edits);
}

/// <summary>Edits that are not plain header changes, collected while filters run.</summary>
internal struct RequestEdits
{
    /// <summary>The Host header to send upstream (URLRewrite hostname).</summary>
    public string? UpstreamHost;
}
