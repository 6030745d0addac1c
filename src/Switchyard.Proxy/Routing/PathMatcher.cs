using System.Text.RegularExpressions;

namespace Switchyard.Proxy.Routing;

internal enum PathMatchKind
{
    /// <summary>The whole path equals the value.</summary>
    Exact,
    /// <summary>Element-wise prefix: "/foo" matches "/foo", "/foo/" and "/foo/bar", not "/foobar"; a trailing "/" in the value is ignored.</summary>
    Prefix,
    /// <summary>An anchored .NET regular expression over the whole path.</summary>
    RegularExpression,
}

/// <summary>The path condition of a match (Gateway API HTTPPathMatch, Ingress HTTPIngressPath).</summary>
internal sealed class PathMatcher
{
    private readonly string _value;
    private readonly Regex? _regex;

    private PathMatcher(PathMatchKind kind, string value, Regex? regex)
    {
        Kind = kind;
        _value = value;
        _regex = regex;
    }

    public PathMatchKind Kind { get; }

    /// <summary>The value as written (used for precedence: longer prefixes win).</summary>
    public string Value { get; private init; } = "";

    private string? _cookiePath;

    /// <summary>The characters that make a regular expression more than its literal text.</summary>
    private static readonly System.Buffers.SearchValues<char> RegexMeta = System.Buffers.SearchValues.Create(@"\^$.|?*+()[]{}");

    /// <summary>
    /// The Path of a session persistence cookie set for a request this match took (GEP-1619): a prefix's value, an exact
    /// path, or the literal start of a regular expression up to its last '/' ("/p1/p2/.*" gives "/p1/p2"); "/" when
    /// nothing narrower is certain, or the value has characters a cookie attribute cannot carry.
    /// </summary>
    public string CookiePath => _cookiePath ??= CookiePathOf(Kind, _value);

    private static string CookiePathOf(PathMatchKind kind, string value)
    {
        var path = value;
        if (kind == PathMatchKind.RegularExpression)
        {
            var meta = value.AsSpan().IndexOfAny(RegexMeta);
            if (meta >= 0)
            {
                var slash = value.AsSpan(0, meta).LastIndexOf('/');
                path = slash <= 0 ? "/" : value[..slash];
            }
        }
        return path.Length == 0 || path[0] != '/' || path.AsSpan().ContainsAnyExceptInRange('!', '~') || path.Contains(';', StringComparison.Ordinal) ? "/" : path;
    }

    public static PathMatcher Exact(string value) => new(PathMatchKind.Exact, value, null) { Value = value };

    public static PathMatcher Prefix(string value)
    {
        var trimmed = value.Length > 1 ? value.TrimEnd('/') : value;
        return new(PathMatchKind.Prefix, trimmed.Length == 0 ? "/" : trimmed, null) { Value = value };
    }

    /// <summary>Null with <paramref name="error"/> when the pattern does not compile.</summary>
    public static PathMatcher? RegularExpression(string pattern, out string? error)
    {
        var regex = RouteRegex.Anchored(pattern, out var reason);
        error = reason is null ? null : $"path regular expression '{pattern}' is invalid: {reason}";
        return regex is null ? null : new(PathMatchKind.RegularExpression, pattern, regex) { Value = pattern };
    }

    public bool Matches(string path)
    {
        switch (Kind)
        {
            case PathMatchKind.Exact:
                return string.Equals(path, _value, StringComparison.Ordinal);
            case PathMatchKind.Prefix:
                if (_value.Length == 1) return true;
                if (!path.StartsWith(_value, StringComparison.Ordinal)) return false;
                return path.Length == _value.Length || path[_value.Length] == '/';
            default:
                try
                {
                    return _regex!.IsMatch(path);
                }
                catch (RegexMatchTimeoutException)
                {
                    return false;
                }
        }
    }
}
