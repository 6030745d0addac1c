using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Filters;

/// <summary>A rule's RequestHeaderModifier: its <see cref="HeaderEdits"/> applied to the request's headers.</summary>
internal sealed class RequestHeaderFilter(HeaderEdits changes) : IRequestFilter
{
    public void Apply(HttpContext context, RouteEntry matched, ref RequestEdits edits) => changes.Apply(context.Request.Headers);
}
