using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Tests.Pipeline;

/// <summary>The x-switchyard-error header carries only what Kestrel accepts in a header value.</summary>
public sealed class ErrorAnswerTests
{
    [Theory]
    [InlineData("backend default/web:80: no ready endpoints", "backend default/web:80: no ready endpoints")]
    [InlineData("route § 7: café", "route ? 7: caf?")]
    [InlineData("line one\r\nInjected: header", "line one??Injected: header")]
    [InlineData("tab\there", "tab?here")]
    public void HeaderSafe_Text_KeepsPrintableAsciiReplacesTheRest(string text, string expected) =>
        Assert.Equal(expected, RequestHandler.HeaderSafe(text));
}
