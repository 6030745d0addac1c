using Switchyard.Cli.Commands.DemoApp;

namespace Switchyard.Cli.Tests.Commands.DemoApp;

public sealed class DemoAppFlagTests
{
    [Theory]
    [InlineData("127.0.0.1:10053", "127.0.0.1:10053")]
    [InlineData("127.0.0.1", "127.0.0.1:53")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    [InlineData("::1", "[::1]:53")]
    [InlineData("8080", null)]
    [InlineData("dns.local:53", null)]
    [InlineData("127.0.0.1:0", null)]
    public void ParseEndpoint_Forms_ParsedOrRefused(string text, string? expected) =>
        Assert.Equal(expected, DemoAppCommand.ParseEndpoint(text)?.ToString());
}
