using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Filters;

/// <summary>URLRewrite: replaces the Host sent upstream and/or the path (the query string is kept).</summary>
internal sealed class UrlRewriteFilter(string? hostname, PathRewrite? path) : IRequestFilter
{
    public void Apply(HttpContext context, RouteEntry matched, ref RequestEdits edits)
    {
        if (hostname is not null) edits.UpstreamHost = hostname;
        if (path is null) return;
        var request = context.Request;
        var newPath = path.Apply(request.Path.Value ?? "/", matched);
        var feature = context.Features.Get<IHttpRequestFeature>();
        if (feature is not null) feature.RawTarget = new PathString(newPath).ToUriComponent() + request.QueryString.ToUriComponent();
    }
}
