using Microsoft.AspNetCore.Http;
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

    [Theory]
    [InlineData("keep-alive", "keep-alive", "x-a,x-b,x-c")]
    [InlineData("x-a", null, "x-b,x-c")]
    [InlineData("Keep-Alive, X-A , x-b", "Keep-Alive", "x-c")]
    [InlineData("close, x-a, upgrade", "close, upgrade", "x-b,x-c")]
    [InlineData(",x-a,,x-c,", null, "x-b")]
    [InlineData("x-absent", null, "x-a,x-b,x-c")]
    [InlineData("Host, Content-Length, x-b", null, "x-a,x-c")]
    public void ConsumeConnectionOptions_RemovesTheNamedFieldsAndKeepsTheKeywords(string connection, string? remaining, string kept)
    {
        IHeaderDictionary headers = new HeaderDictionary { ["Connection"] = connection, ["Host"] = "site.test", ["Content-Length"] = "3", ["x-a"] = "1", ["x-b"] = "2", ["x-c"] = "3" };
        HopByHop.ConsumeConnectionOptions(headers);
        Assert.Equal(remaining, headers.TryGetValue("Connection", out var left) ? left.ToString() : null);
        Assert.Equal(kept.Split(','), new[] { "x-a", "x-b", "x-c" }.Where(headers.ContainsKey));
        Assert.Equal(("site.test", "3"), (headers.Host.ToString(), headers.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void ConsumeConnectionOptions_ReadsEveryConnectionLine()
    {
        IHeaderDictionary headers = new HeaderDictionary { ["Connection"] = new StringValues(["keep-alive", "x-a"]), ["x-a"] = "1", ["x-b"] = "2" };
        HopByHop.ConsumeConnectionOptions(headers);
        Assert.Equal(("keep-alive", false, true), (headers.Connection.ToString(), headers.ContainsKey("x-a"), headers.ContainsKey("x-b")));
    }
}
