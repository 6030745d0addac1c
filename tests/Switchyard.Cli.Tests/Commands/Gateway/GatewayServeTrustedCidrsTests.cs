using Switchyard.Cli.Commands.Gateway;

namespace Switchyard.Cli.Tests.Commands.Gateway;

/// <summary>
/// <c>gateway serve --ingress-x-forwarded-for-trusted-cidrs</c>: parsed into the options in canonical order, every bad
/// CIDR named at once with the flag, the flag refused without an Ingress listener, and the real command line refusing a
/// bad value (exit 2). <c>--ingress-x-forwarded-for-trusted-hops</c>: parsed, a bad count named with the flag, refused
/// together with the CIDRs, and the real command line refusing both (exit 2).
/// </summary>
public sealed class GatewayServeTrustedCidrsTests
{
    private static GatewayFlagValues Flags(string? trusted, string? ingressHttp = "127.0.0.1:8080", string? hops = null) =>
        new(IngressHttp: ingressHttp, IngressXForwardedForTrustedCidrs: trusted, IngressXForwardedForTrustedHops: hops);

    [Fact]
    public void Options_TrustedHops_Parsed()
    {
        var errors = new List<string>();
        var options = GatewayFlags.ForServe().Options(Flags(null, hops: "2"), errors);
        Assert.Empty(errors);
        Assert.Equal((2, 0), (options.IngressXForwardedForTrustedHops, options.IngressXForwardedForTrustedCidrs.Count));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    [InlineData("x")]
    public void Options_BadTrustedHops_Named(string hops)
    {
        var errors = new List<string>();
        GatewayFlags.ForServe().Options(Flags(null, hops: hops), errors);
        Assert.Equal([$"--ingress-x-forwarded-for-trusted-hops: '{hops}': must be a whole number of hops from 1 to 16: the proxies in front that append to X-Forwarded-For (1: a load balancer; 2: a CDN, then a load balancer)"], errors);
    }

    [Fact]
    public void Options_TrustedHopsAndCidrs_Refused()
    {
        var errors = new List<string>();
        GatewayFlags.ForServe().Options(Flags("10.0.0.0/8", hops: "1"), errors);
        Assert.Equal(["IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-hops): only one of IngressXForwardedForTrustedCidrs and IngressXForwardedForTrustedHops "
            + "(--ingress-x-forwarded-for-trusted-cidrs, --ingress-x-forwarded-for-trusted-hops) may be set: trust X-Forwarded-For by the peer's CIDR or by a number of hops, not both"], errors);
    }

    [Fact]
    public async Task Run_TrustedHopsAndCidrs_UsageError()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("gateway", "serve", "-f", "x.yaml", "--ingress-http", "127.0.0.1:0",
            "--ingress-x-forwarded-for-trusted-cidrs", "10.0.0.0/8", "--ingress-x-forwarded-for-trusted-hops", "2");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("only one of IngressXForwardedForTrustedCidrs and IngressXForwardedForTrustedHops", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_TrustedCidrs_ParsedInCanonicalOrder()
    {
        var errors = new List<string>();
        var options = GatewayFlags.ForServe().Options(Flags("2001:db8::/32, 10.0.0.0/8 ,192.168.1.7/32"), errors);
        Assert.Empty(errors);
        Assert.Equal(["10.0.0.0/8", "192.168.1.7/32", "2001:db8::/32"], options.IngressXForwardedForTrustedCidrs.Select(c => c.ToString()));
    }

    [Fact]
    public void Options_NoFlag_NoTrustedCidrs()
    {
        var errors = new List<string>();
        Assert.Empty(GatewayFlags.ForServe().Options(Flags(null), errors).IngressXForwardedForTrustedCidrs);
        Assert.Empty(errors);
    }

    [Fact]
    public void Options_BadCidrs_EveryOneNamed()
    {
        var errors = new List<string>();
        GatewayFlags.ForServe().Options(Flags("10.0.0.1/8, 10.1.0.0/16, foo,"), errors);
        Assert.Equal(
        [
            "--ingress-x-forwarded-for-trusted-cidrs: '10.0.0.1/8': must be a network address with no host bits set (did you mean \"10.0.0.0/8\"?)",
            "--ingress-x-forwarded-for-trusted-cidrs: 'foo': must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            "--ingress-x-forwarded-for-trusted-cidrs: '': an empty entry; separate CIDRs with single commas",
        ], errors);
    }

    [Fact]
    public void Options_WithoutIngressListener_Refused()
    {
        var errors = new List<string>();
        GatewayFlags.ForServe().Options(Flags("10.0.0.0/8", ingressHttp: null), errors);
        Assert.Equal(["IngressXForwardedForTrustedCidrs (--ingress-x-forwarded-for-trusted-cidrs): no Ingress listener is set; set IngressHttp or IngressHttps (--ingress-http, --ingress-https)"], errors);
    }

    [Fact]
    public async Task Run_BadTrustedCidrs_UsageError()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("gateway", "serve", "-f", "x.yaml", "--ingress-http", "127.0.0.1:0", "--ingress-x-forwarded-for-trusted-cidrs", "10.0.0.1/8, foo");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--ingress-x-forwarded-for-trusted-cidrs: '10.0.0.1/8': must be a network address with no host bits set", run.Error, StringComparison.Ordinal);
        Assert.Contains("--ingress-x-forwarded-for-trusted-cidrs: 'foo': must be a valid CIDR value", run.Error, StringComparison.Ordinal);
    }
}
