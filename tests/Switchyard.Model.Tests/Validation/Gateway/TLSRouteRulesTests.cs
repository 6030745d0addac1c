using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class TLSRouteRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"TLSRoute","metadata":{"name":"db","namespace":"data"},"spec":""" + spec + "}";

    [Fact]
    public void ApplyDefaults_ParentAndBackendRefs_FilledAsTheCrdDoes()
    {
        var route = Defaulted<TLSRoute>(Manifest("""{"parentRefs":[{"name":"edge"}],"hostnames":["db.example.com"],"rules":[{"backendRefs":[{"name":"db","port":5432}]}]}"""));

        Assert.Equal(("gateway.networking.k8s.io", "Gateway"), (route.Spec.ParentRefs![0].Group, route.Spec.ParentRefs[0].Kind));
        var backend = route.Spec.Rules![0].BackendRefs![0];
        Assert.Equal(("", "Service", 1), (backend.Group, backend.Kind, backend.Weight));
    }

    [Fact]
    public void Validate_RealisticRoute_NoErrors()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge","namespace":"infra","sectionName":"tls-passthrough"}],
             "hostnames":["db.example.com","*.db.example.com"],
             "rules":[{"name":"primary","backendRefs":[{"name":"db-v1","port":5432,"weight":90},{"name":"db-v2","namespace":"next","port":5432,"weight":10}]}]}
            """);
        Assert.Empty(Errors<TLSRoute>(json));
    }

    [Fact]
    public void Validate_EveryProblem_ReportedAtOnce()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge"}],
             "hostnames":["10.0.0.1","Bad_Host","*.ok.example.com","a.*.example.com"],
             "rules":[{"name":"Bad Name","backendRefs":[{"name":"db"},{"name":"db","port":5432,"weight":-1},{"group":"example.com","kind":"Thing","name":"x"}]},
                      {"backendRefs":[]}]}
            """);
        Assert.Equal(
        [
            "spec.hostnames[0]: Invalid value: \"10.0.0.1\": must be a hostname, not an IP address (SNI never carries one)",
            "spec.hostnames[1]: Invalid value: \"Bad_Host\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.hostnames[3]: Invalid value: \"a.*.example.com\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.rules: Invalid value: 2: a TLSRoute has exactly one rule",
            "spec.rules[0].name: Invalid value: \"Bad Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.rules[0].backendRefs[0].port: Required value: a Service backend must name its port",
            "spec.rules[0].backendRefs[1].weight: Invalid value: -1: must be between 0 and 1000000, inclusive",
            "spec.rules[1].backendRefs: Required value: a TLSRoute rule needs at least one backendRef",
        ], Errors<TLSRoute>(json), StringComparer.Ordinal);
    }

    [Fact]
    public void Validate_NoHostnamesNoRules_BothRequired()
    {
        Assert.Equal(
        [
            "spec.hostnames: Required value: a TLSRoute names at least one SNI hostname",
            "spec.rules: Required value: a TLSRoute has exactly one rule",
        ], Errors<TLSRoute>(Manifest("""{"parentRefs":[{"name":"edge"}]}""")));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha2")]
    [InlineData("v1alpha3")]
    public void Decode_EveryServedVersion_IsReadAsTLSRoute(string version)
    {
        var json = Manifest("""{"hostnames":["a.example.com"],"rules":[{"backendRefs":[{"name":"a","port":443}]}]}""")
            .Replace("gateway.networking.k8s.io/v1", $"gateway.networking.k8s.io/{version}", StringComparison.Ordinal);

        var decoded = Switchyard.Model.Resources.ResourceDecoder.Decode(System.Text.Json.Nodes.JsonNode.Parse(json));

        Assert.Empty(decoded.Errors);
        Assert.Equal("a.example.com", Assert.IsType<TLSRoute>(decoded.Object).Spec.Hostnames![0]);
    }
}
