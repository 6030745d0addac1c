using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class UDPRouteRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1alpha2","kind":"UDPRoute","metadata":{"name":"dns","namespace":"infra"},"spec":""" + spec + "}";

    [Fact]
    public void ApplyDefaults_ParentAndBackendRefs_FilledAsTheCrdDoes()
    {
        var route = Defaulted<UDPRoute>(Manifest("""{"parentRefs":[{"name":"edge","sectionName":"dns"}],"rules":[{"backendRefs":[{"name":"coredns","port":53}]}]}"""));

        Assert.Equal(("gateway.networking.k8s.io", "Gateway", "dns"), (route.Spec.ParentRefs![0].Group, route.Spec.ParentRefs[0].Kind, route.Spec.ParentRefs[0].SectionName));
        var backend = route.Spec.Rules![0].BackendRefs![0];
        Assert.Equal(("", "Service", 1), (backend.Group, backend.Kind, backend.Weight));
    }

    [Fact]
    public void Validate_RealisticRoute_NoErrors()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge","namespace":"infra","sectionName":"dns","port":53}],
             "rules":[{"name":"resolvers","backendRefs":[{"name":"dns-1","port":53,"weight":90},{"name":"dns-2","namespace":"next","port":53,"weight":10}]}]}
            """);
        Assert.Empty(Errors<UDPRoute>(json));
    }

    [Fact]
    public void Validate_EveryProblem_ReportedAtOnce_EachNamingItsField()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge","port":0}],
             "rules":[{"name":"Bad Name","backendRefs":[{"name":"dns"},{"name":"dns","port":53,"weight":-1}]},
                      {}]}
            """);
        Assert.Equal(
        [
            "spec.parentRefs[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.rules: Invalid value: 2: a UDPRoute has exactly one rule",
            "spec.rules[0].name: Invalid value: \"Bad Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.rules[0].backendRefs[0].port: Required value: a Service backend must name its port",
            "spec.rules[0].backendRefs[1].weight: Invalid value: -1: must be between 0 and 1000000, inclusive",
            "spec.rules[1].backendRefs: Required value: a UDPRoute rule needs at least one backendRef",
        ], Errors<UDPRoute>(json), StringComparer.Ordinal);
    }

    [Fact]
    public void Validate_NoRules_Required()
    {
        Assert.Equal(["spec.rules: Required value: a UDPRoute has exactly one rule"], Errors<UDPRoute>(Manifest("""{"parentRefs":[{"name":"edge"}]}""")));
    }

    [Fact]
    public void Decode_V1Alpha2_IsReadAsUDPRoute()
    {
        var decoded = Switchyard.Model.Resources.ResourceDecoder.Decode(System.Text.Json.Nodes.JsonNode.Parse(Manifest("""{"rules":[{"backendRefs":[{"name":"a","port":53}]}]}""")));

        Assert.Empty(decoded.Errors);
        Assert.Equal(53, Assert.IsType<UDPRoute>(decoded.Object).Spec.Rules![0].BackendRefs![0].Port);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1beta1")]
    public void Decode_UnservedVersion_Refused(string version)
    {
        var json = Manifest("""{"rules":[]}""").Replace("gateway.networking.k8s.io/v1alpha2", $"gateway.networking.k8s.io/{version}", StringComparison.Ordinal);

        Assert.NotEmpty(Switchyard.Model.Resources.ResourceDecoder.Decode(System.Text.Json.Nodes.JsonNode.Parse(json)).Errors);
    }
}
