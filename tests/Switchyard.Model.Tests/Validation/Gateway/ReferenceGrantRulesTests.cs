using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class ReferenceGrantRulesTests
{
    private static string Manifest(string spec) =>
        $$"""{"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"allow-web","namespace":"payments"},"spec":{{spec}}}""";

    [Fact]
    public void Validate_ValidGrant_NoErrors()
    {
        var json = Manifest("""{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"web"}],"to":[{"group":"","kind":"Service"},{"group":"","kind":"Secret","name":"tls"}]}""");
        Assert.Empty(Errors<ReferenceGrant>(json));
    }

    [Fact]
    public void Validate_EmptyLists_BothRequired()
    {
        Assert.Equal(
        [
            "spec.from: Required value: must list at least one referrer",
            "spec.to: Required value: must list at least one target",
        ], Errors<ReferenceGrant>(Manifest("""{"from":[],"to":[]}""")));
    }

    [Fact]
    public void Validate_BadEntries_AllReported()
    {
        var json = Manifest("""{"from":[{"kind":"HTTPRoute","namespace":"Web"},{"group":"x_y","kind":"","namespace":""}],"to":[{"group":"","kind":"Service","name":""}]}""");
        Assert.Equal(
        [
            "spec.from[0].group: Required value: use \"\" for the core group",
            "spec.from[0].namespace: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')",
            "spec.from[1].group: Invalid value: \"x_y\": must be empty (the core group) or a lowercase DNS subdomain (e.g. \"gateway.networking.k8s.io\")",
            "spec.from[1].kind: Required value",
            "spec.from[1].namespace: Required value",
            "spec.to[0].name: Required value",
        ], Errors<ReferenceGrant>(json));
    }

    [Fact]
    public void Validate_SeventeenReferrers_TooMany()
    {
        var from = string.Join(",", Enumerable.Range(0, 17).Select(i => $$"""{"group":"","kind":"Pod","namespace":"n{{i}}"}"""));
        var errors = Errors<ReferenceGrant>(Manifest($$"""{"from":[{{from}}],"to":[{"group":"","kind":"Service"}]}"""));
        Assert.Equal(["spec.from: Too many: 17: must have at most 16 items"], errors);
    }
}
