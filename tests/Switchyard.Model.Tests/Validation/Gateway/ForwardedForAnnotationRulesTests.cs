using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;
using GatewayResource = Switchyard.Model.Gateway.Gateway;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>
/// The X-Forwarded-For annotations of a Gateway: API validation refuses a value the proxy would not understand, with
/// one error per bad entry (all of them), each naming the annotation's field path and the entry; a hop count is a
/// whole number from 1 to 16; the two modes together are forbidden (as Envoy Gateway's numTrustedHops and trustedCIDRs).
/// </summary>
public sealed class ForwardedForAnnotationRulesTests
{
    private const string Path = "metadata.annotations[gateway.switchyard.dev/x-forwarded-for-trusted-cidrs]";

    private static string Gateway(string annotation) =>
        "{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"edge\",\"namespace\":\"infra\",\"annotations\":{\"gateway.switchyard.dev/x-forwarded-for-trusted-cidrs\":\""
        + annotation + "\"}},\"spec\":{\"gatewayClassName\":\"switchyard\",\"listeners\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"HTTP\"}]}}";

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("10.0.0.0/8, 192.168.1.7/32, ::1/128")]
    [InlineData(" 2001:db8::/32 ,0.0.0.0/0")]
    [InlineData("10.0.0.0/8, 10.0.0.0/8")]
    public void Validate_Cidrs_NoErrors(string value) => Assert.Empty(Errors<GatewayResource>(Gateway(value)));

    [Fact]
    public void Validate_SeveralBadEntries_EveryOneNamed() => Assert.Equal(
        [
            $"{Path}: Invalid value: \"10.0.0.1/8\": must be a network address with no host bits set (did you mean \"10.0.0.0/8\"?)",
            $"{Path}: Invalid value: \"192.168.1.7\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            $"{Path}: Invalid value: \"\": an empty entry; separate CIDRs with single commas",
            $"{Path}: Invalid value: \"fe80::1%eth0/64\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ],
        Errors<GatewayResource>(Gateway("10.0.0.1/8, 192.168.1.7, ::1/128,, fe80::1%eth0/64")));

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Validate_Empty_NamesAtLeastOne(string value) => Assert.Equal(
        [$"{Path}: Invalid value: \"{value}\": name at least one CIDR (e.g. \"10.0.0.0/8, 2001:db8::/32\"), or remove the annotation"],
        Errors<GatewayResource>(Gateway(value)));

    private const string HopsPath = "metadata.annotations[gateway.switchyard.dev/x-forwarded-for-trusted-hops]";

    private const string HopsProblem = "must be a whole number of hops from 1 to 16: the proxies in front that append to X-Forwarded-For (1: a load balancer; 2: a CDN, then a load balancer)";

    private const string BothProblem = "Forbidden: only one of gateway.switchyard.dev/x-forwarded-for-trusted-cidrs and gateway.switchyard.dev/x-forwarded-for-trusted-hops may be set: "
        + "trust X-Forwarded-For by the peer's CIDR or by a number of hops, not both";

    private static string GatewayAnnotated(string annotations) =>
        "{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"edge\",\"namespace\":\"infra\",\"annotations\":{"
        + annotations + "}},\"spec\":{\"gatewayClassName\":\"switchyard\",\"listeners\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"HTTP\"}]}}";

    private static string Hops(string value) => GatewayAnnotated($"\"gateway.switchyard.dev/x-forwarded-for-trusted-hops\":\"{value}\"");

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    [InlineData(" 3 ")]
    [InlineData("16")]
    public void Validate_Hops_NoErrors(string value) => Assert.Empty(Errors<GatewayResource>(Hops(value)));

    [Theory]
    [InlineData("0")]
    [InlineData("17")]
    [InlineData("-1")]
    [InlineData("+2")]
    [InlineData("1.5")]
    [InlineData("two")]
    [InlineData("")]
    [InlineData("99999999999")]
    public void Validate_BadHops_Named(string value) =>
        Assert.Equal([$"{HopsPath}: Invalid value: \"{value}\": {HopsProblem}"], Errors<GatewayResource>(Hops(value)));

    [Fact]
    public void Validate_CidrsAndHops_Forbidden() => Assert.Equal(
        [$"{HopsPath}: {BothProblem}"],
        Errors<GatewayResource>(GatewayAnnotated("\"gateway.switchyard.dev/x-forwarded-for-trusted-cidrs\":\"10.0.0.0/8\",\"gateway.switchyard.dev/x-forwarded-for-trusted-hops\":\"1\"")));

    [Fact]
    public void Validate_BothBad_EveryProblemNamed() => Assert.Equal(
        [
            $"{Path}: Invalid value: \"foo\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            $"{HopsPath}: Invalid value: \"0\": {HopsProblem}",
            $"{HopsPath}: {BothProblem}",
        ],
        Errors<GatewayResource>(GatewayAnnotated("\"gateway.switchyard.dev/x-forwarded-for-trusted-cidrs\":\"foo\",\"gateway.switchyard.dev/x-forwarded-for-trusted-hops\":\"0\"")));

    [Fact]
    public void Validate_MoreThan64_TooMany()
    {
        var value = string.Join(", ", Enumerable.Range(0, 65).Select(i => $"10.{i}.0.0/16"));
        Assert.Equal([$"{Path}: Invalid value: \"{value}\": 65 CIDRs; at most 64"], Errors<GatewayResource>(Gateway(value)));
    }
}
