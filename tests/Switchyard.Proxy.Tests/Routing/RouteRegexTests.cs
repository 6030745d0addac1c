using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Tests.Routing;

/// <summary>Route regular expressions: the whole value, in linear time, refusals in the route author's terms.</summary>
public sealed class RouteRegexTests
{
    [Theory]
    [InlineData("[a-z]+", "abc", true)]
    [InlineData("[a-z]+", "abc\n", false)] // $ would match before a final newline (a query value decoded from %0A)
    [InlineData("[a-z]+", "xabc1", false)]
    [InlineData("v[0-9]+|beta", "beta", true)] // the alternation is anchored as a whole
    public void Anchored_MatchesTheWholeValueOnly(string pattern, string value, bool matches)
    {
        var regex = RouteRegex.Anchored(pattern, out var error);
        Assert.Null(error);
        Assert.Equal(matches, regex!.IsMatch(value));
    }

    [Theory]
    [InlineData("/(a)\\1", "backreferences, lookarounds, atomic groups and conditionals are not supported")]
    [InlineData("(?<=x)y", "backreferences, lookarounds, atomic groups and conditionals are not supported")]
    [InlineData("[^/]{1,20000}", "the pattern is too large to match in linear time")]
    [InlineData("[a", "Invalid pattern '[a' at offset 2. Unterminated [] set")]
    public void Refused_NamesWhy(string pattern, string reason)
    {
        Assert.Null(RouteRegex.Anchored(pattern, out var error));
        Assert.StartsWith(reason, error, StringComparison.Ordinal);
        Assert.False(error!.EndsWith('.')); // the status message goes on after it
    }
}
