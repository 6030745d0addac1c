using System.Text;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Filters;

/// <summary>
/// RequestRedirect: answers with a Location built from the request and the filter. Without a port the port follows
/// the scheme (80/443, then omitted) when the scheme changes, else the listener's port; well-known ports are omitted.
/// </summary>
internal sealed class RedirectFilter(string? scheme, string? hostname, int? port, PathRewrite? path, int statusCode)
{
    public int StatusCode => statusCode;

    public string Location(HttpContext context, RouteEntry matched)
    {
        var request = context.Request;
        var outScheme = scheme ?? request.Scheme;
        var host = hostname ?? request.Host.Host;
        int? outPort = port ?? (scheme is not null ? null : context.Connection.LocalPort);
        var defaultPort = outScheme == "https" ? 443 : 80;
        var b = new StringBuilder();
        b.Append(outScheme).Append("://").Append(host);
        if (outPort is { } p && p != defaultPort) b.Append(':').Append(p);
        var newPath = path?.Apply(request.Path.Value ?? "/", matched) ?? request.Path.Value ?? "/";
        b.Append(new PathString(newPath).ToUriComponent()).Append(request.QueryString.ToUriComponent());
        return b.ToString();
    }
}
