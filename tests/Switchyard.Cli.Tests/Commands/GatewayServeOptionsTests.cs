namespace Switchyard.Cli.Tests.Commands;

/// <summary><c>gateway serve --ingress-x-forwarded-for-trusted-cidrs</c>: every bad CIDR named at once, and the flag needs an Ingress listener; both usage errors.</summary>
public sealed class GatewayServeOptionsTests
{
    [Fact]
    public async Task Run_BadTrustedCidrs_UsageErrorNamingEveryEntry()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("gateway", "serve", "-f", "x.yaml", "--ingress-http", "127.0.0.1:0", "--ingress-x-forwarded-for-trusted-cidrs", "10.0.0.1/8, 10.1.0.0/16, foo");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--ingress-x-forwarded-for-trusted-cidrs: '10.0.0.1/8': must be a network address with no host bits set (did you mean \"10.0.0.0/8\"?)", run.Error, StringComparison.Ordinal);
        Assert.Contains("--ingress-x-forwarded-for-trusted-cidrs: 'foo': must be a valid CIDR value", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("10.1.0.0/16", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TrustedCidrsWithoutIngressListener_UsageError()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("gateway", "serve", "-f", "x.yaml", "--ingress-x-forwarded-for-trusted-cidrs", "10.0.0.0/8");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("IngressXForwardedForTrustedCidrs (--ingress-x-forwarded-for-trusted-cidrs): no Ingress listener is set", run.Error, StringComparison.Ordinal);
    }
}
