using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Filters;

/// <summary>ReplaceFullPath or ReplacePrefixMatch (HTTPPathModifier), shared by URLRewrite and RequestRedirect.</summary>
internal sealed record PathRewrite(bool FullPath, string Value)
{
    /// <summary>
    /// The new path. ReplacePrefixMatch swaps the matched prefix element-wise: prefix "/foo" with "/bar" turns "/foo/x"
    /// into "/bar/x", and with "/" turns "/foo/x" into "/x" (never "//x").
    /// </summary>
    public string Apply(string path, RouteEntry matched)
    {
        if (FullPath || matched.Path.Kind != PathMatchKind.Prefix) return FullPath ? Value : path;
        var prefix = matched.Path.Value.Length > 1 ? matched.Path.Value.TrimEnd('/') : "";
        var rest = path.Length >= prefix.Length ? path[prefix.Length..] : "";
        var replacement = Value.Length > 1 ? Value.TrimEnd('/') : Value == "/" ? "" : Value;
        var result = replacement + rest;
        if (result.Length == 0) return "/";
        return result[0] == '/' ? result : "/" + result;
    }
}
