using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;
using GatewayResource = Switchyard.Model.Gateway.Gateway;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>
/// The X-Forwarded-For annotation of a Gateway: API validation refuses a value the proxy would not understand, with
/// one error per bad entry (all of them), each naming the annotation's field path and the entry.
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

    [Fact]
    public void Validate_MoreThan64_TooMany()
    {
        var value = string.Join(", ", Enumerable.Range(0, 65).Select(i => $"10.{i}.0.0/16"));
        Assert.Equal([$"{Path}: Invalid value: \"{value}\": 65 CIDRs; at most 64"], Errors<GatewayResource>(Gateway(value)));
    }
}
