using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class TCPRouteRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1alpha2","kind":"TCPRoute","metadata":{"name":"db","namespace":"data"},"spec":""" + spec + "}";

    [Fact]
    public void ApplyDefaults_ParentAndBackendRefs_FilledAsTheCrdDoes()
    {
        var route = Defaulted<TCPRoute>(Manifest("""{"parentRefs":[{"name":"edge","sectionName":"postgres"}],"rules":[{"backendRefs":[{"name":"db","port":5432}]}]}"""));

        Assert.Equal(("gateway.networking.k8s.io", "Gateway", "postgres"), (route.Spec.ParentRefs![0].Group, route.Spec.ParentRefs[0].Kind, route.Spec.ParentRefs[0].SectionName));
        var backend = route.Spec.Rules![0].BackendRefs![0];
        Assert.Equal(("", "Service", 1), (backend.Group, backend.Kind, backend.Weight));
    }

    [Fact]
    public void Validate_RealisticRoute_NoErrors()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge","namespace":"infra","sectionName":"kafka","port":9092}],
             "rules":[{"name":"brokers","backendRefs":[{"name":"kafka-1","port":9092,"weight":70},{"name":"kafka-2","namespace":"next","port":9092,"weight":30}]}]}
            """);
        Assert.Empty(Errors<TCPRoute>(json));
    }

    [Fact]
    public void Validate_EveryProblem_ReportedAtOnce_EachNamingItsField()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge","sectionName":"Bad Section","port":70000}],
             "rules":[{"name":"Bad Name","backendRefs":[{"name":"db"},{"name":"db","port":5432,"weight":1000001},{"group":"example.com","kind":"Thing","name":"x"}]},
                      {"backendRefs":[]}]}
            """);
        Assert.Equal(
        [
            "spec.parentRefs[0].sectionName: Invalid value: \"Bad Section\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.parentRefs[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.rules: Invalid value: 2: a TCPRoute has exactly one rule",
            "spec.rules[0].name: Invalid value: \"Bad Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.rules[0].backendRefs[0].port: Required value: a Service backend must name its port",
            "spec.rules[0].backendRefs[1].weight: Invalid value: 1000001: must be between 0 and 1000000, inclusive",
            "spec.rules[1].backendRefs: Required value: a TCPRoute rule needs at least one backendRef",
        ], Errors<TCPRoute>(json), StringComparer.Ordinal);
    }

    [Fact]
    public void Validate_NoRules_Required()
    {
        Assert.Equal(["spec.rules: Required value: a TCPRoute has exactly one rule"], Errors<TCPRoute>(Manifest("""{"parentRefs":[{"name":"edge"}]}""")));
    }

    [Theory]
    [InlineData("v1alpha2")]
    [InlineData("v1")]
    public void Decode_EveryServedVersion_IsReadAsTCPRoute(string version)
    {
        var json = Manifest("""{"rules":[{"backendRefs":[{"name":"a","port":5432}]}]}""")
            .Replace("gateway.networking.k8s.io/v1alpha2", $"gateway.networking.k8s.io/{version}", StringComparison.Ordinal);

        var decoded = Switchyard.Model.Resources.ResourceDecoder.Decode(System.Text.Json.Nodes.JsonNode.Parse(json));

        Assert.Empty(decoded.Errors);
        Assert.Equal(5432, Assert.IsType<TCPRoute>(decoded.Object).Spec.Rules![0].BackendRefs![0].Port);
    }

    [Fact]
    public void Decode_UnservedVersion_Refused()
    {
        var json = Manifest("""{"rules":[]}""").Replace("gateway.networking.k8s.io/v1alpha2", "gateway.networking.k8s.io/v1beta1", StringComparison.Ordinal);

        Assert.NotEmpty(Switchyard.Model.Resources.ResourceDecoder.Decode(System.Text.Json.Nodes.JsonNode.Parse(json)).Errors);
    }
}
