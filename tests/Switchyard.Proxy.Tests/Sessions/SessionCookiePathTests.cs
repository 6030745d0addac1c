using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Tests.Sessions;

/// <summary>The Path of a session cookie from the match a request took (GEP-1619 "Path"): {match type, value, Path}.</summary>
public sealed class SessionCookiePathTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "PathPrefix", "/", "/" },
        { "PathPrefix", "/shop", "/shop" },
        { "PathPrefix", "/shop/", "/shop" },            // the trailing slash is ignored, as in matching
        { "Exact", "/login", "/login" },
        { "RegularExpression", "/p1/p2/.*/p3", "/p1/p2" }, // the longest literal start, to its last '/'
        { "RegularExpression", "/api/v[0-9]+/items", "/api" },
        { "RegularExpression", "/static/logo\\.png", "/static" },
        { "RegularExpression", "/plain", "/plain" },     // no regular expression characters: the path itself
        { "RegularExpression", "(/a|/b)", "/" },
        { "RegularExpression", "/a.*", "/" },
        { "PathPrefix", "/a;b", "/" },                   // a ';' would end the attribute
        { "Exact", "/caf\u00e9", "/" },                  // not ASCII: not a cookie attribute value
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CookiePath_Match_LongestCertainPath(string type, string value, string expected)
    {
        var matcher = type switch
        {
            "Exact" => PathMatcher.Exact(value),
            "RegularExpression" => PathMatcher.RegularExpression(value, out _)!,
            _ => PathMatcher.Prefix(value),
        };
        Assert.Equal(expected, matcher.CookiePath);
    }
}
