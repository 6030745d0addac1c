using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Filters;

/// <summary>RequestHeaderModifier: set replaces a header, add appends a value, remove deletes (names case-insensitive).</summary>
internal sealed class RequestHeaderFilter(IReadOnlyList<KeyValuePair<string, string>> set, IReadOnlyList<KeyValuePair<string, string>> add, IReadOnlyList<string> remove) : IRequestFilter
{
    public void Apply(HttpContext context, RouteEntry matched, ref RequestEdits edits)
    {
        var headers = context.Request.Headers;
        foreach (var (name, value) in set) headers[name] = value;
        foreach (var (name, value) in add) headers.Append(name, value);
        foreach (var name in remove) headers.Remove(name);
    }
}
