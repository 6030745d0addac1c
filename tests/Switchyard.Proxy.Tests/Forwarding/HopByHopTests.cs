using Microsoft.Extensions.Primitives;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>RFC 9110 §7.6.1: the Connection field lists further hop-by-hop fields, as comma-separated tokens, case-insensitively.</summary>
public sealed class HopByHopTests
{
    [Theory]
    [InlineData("x-hop", "x-hop", true)]
    [InlineData("keep-alive, X-Hop", "x-hop", true)]
    [InlineData(" x-a ,x-hop , x-b", "x-hop", true)]
    [InlineData(",,x-hop,", "x-hop", true)]
    [InlineData("x-hopper", "x-hop", false)]
    [InlineData("x-ho", "x-hop", false)]
    [InlineData("keep-alive", "keep", false)]
    [InlineData("", "x-hop", false)]
    public void ListedIn_OneValue(string connection, string name, bool listed) =>
        Assert.Equal(listed, HopByHop.ListedIn(connection, name));

    [Fact]
    public void ListedIn_SecondOfSeveralValues() =>
        Assert.True(HopByHop.ListedIn(new StringValues(["close", "x-a, x-hop"]), "X-HOP"));

    [Theory]
    [InlineData("keep-alive", false)]
    [InlineData("Keep-Alive, close", false)]
    [InlineData("upgrade", false)]
    [InlineData(" , keep-alive ,", false)]
    [InlineData("keep-alive, x-trace", true)]
    [InlineData("x-trace", true)]
    public void HasExtraTokens(string connection, bool extra) =>
        Assert.Equal(extra, HopByHop.HasExtraTokens(connection));
}
