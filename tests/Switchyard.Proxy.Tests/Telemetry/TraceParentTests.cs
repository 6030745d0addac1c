using System.Text;
using System.Text.RegularExpressions;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Tests.Telemetry;

/// <summary>W3C Trace Context, traceparent: https://www.w3.org/TR/trace-context/#traceparent-header</summary>
public sealed partial class TraceParentTests
{
    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex Shape();

    [Theory]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "0af7651916cd43dd8448eb211c80319c", "01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", "0af7651916cd43dd8448eb211c80319c", "00")]
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-more", "0af7651916cd43dd8448eb211c80319c", "01")] // a later version may append fields
    public void Next_ValidIncoming_ContinuesTheTraceAsANewSpan(string incoming, string traceId, string flags)
    {
        var next = TraceParent.Next(incoming);
        var text = next.ToString();
        Assert.Matches(Shape(), text);
        Assert.Equal(traceId, next.TraceId);
        Assert.Equal(traceId, text.Substring(3, 32));
        Assert.EndsWith("-" + flags, text, StringComparison.Ordinal);
        Assert.NotEqual(incoming.Substring(36, 16), text.Substring(36, 16));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")] // upper case
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")] // all-zero trace id
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")] // all-zero parent id
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")] // version ff is invalid
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x")] // version 00 has exactly 55 characters
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g")]
    public void Next_MissingOrInvalidIncoming_StartsATraceWithFlagsCleared(string? incoming)
    {
        var next = TraceParent.Next(incoming);
        var text = next.ToString();
        Assert.Matches(Shape(), text);
        Assert.Equal(text.Substring(3, 32), next.TraceId);
        Assert.NotEqual("0af7651916cd43dd8448eb211c80319c", next.TraceId);
        Assert.NotEqual(new string('0', 32), next.TraceId);
        Assert.EndsWith("-00", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_EachCall_MakesItsOwnSpanAndTrace()
    {
        var a = TraceParent.Next(null);
        var b = TraceParent.Next(null);
        Assert.NotEqual(a.TraceId, b.TraceId);
        Assert.NotEqual(a.ToString().Substring(36, 16), b.ToString().Substring(36, 16));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    public void WriteTo_WritesTheTextAsAsciiBytes(string? incoming)
    {
        var next = TraceParent.Next(incoming);
        var bytes = new byte[TraceParent.Length + 1];
        next.WriteTo(bytes);
        Assert.Equal(next.ToString(), Encoding.ASCII.GetString(bytes, 0, TraceParent.Length));
        Assert.Equal(0, bytes[^1]); // nothing past its length
    }
}
