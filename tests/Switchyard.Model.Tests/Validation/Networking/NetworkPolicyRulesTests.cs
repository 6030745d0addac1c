using k8s.Models;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Networking;

public class NetworkPolicyRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"db","namespace":"shop"},"spec":""" + spec + "}";

    [Theory]
    [InlineData("""{"podSelector":{}}""", new[] { "Ingress" })]
    [InlineData("""{"podSelector":{},"egress":[]}""", new[] { "Ingress" })]
    [InlineData("""{"podSelector":{},"egress":[{}]}""", new[] { "Ingress", "Egress" })]
    [InlineData("""{"podSelector":{},"policyTypes":["Egress"],"ingress":[{}]}""", new[] { "Egress" })]
    public void ApplyDefaults_PolicyTypes_AsTheApiServer(string spec, string[] expected)
    {
        Assert.Equal(expected, Defaulted<V1NetworkPolicy>(Manifest(spec)).Spec.PolicyTypes);
    }

    [Fact]
    public void ApplyDefaults_PortProtocol_Tcp()
    {
        var np = Defaulted<V1NetworkPolicy>(Manifest("""{"podSelector":{},"ingress":[{"ports":[{"port":5432},{"protocol":"UDP","port":53}]}],"egress":[{"ports":[{"port":"dns"}]}]}"""));
        Assert.Equal("TCP", np.Spec.Ingress[0].Ports[0].Protocol);
        Assert.Equal("UDP", np.Spec.Ingress[0].Ports[1].Protocol);
        Assert.Equal("TCP", np.Spec.Egress[0].Ports[0].Protocol);
    }

    [Fact]
    public void Validate_RealisticPolicy_NoErrors()
    {
        var json = Manifest("""
            {"podSelector":{"matchLabels":{"app":"db"}},
             "ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"api"}},"namespaceSelector":{"matchExpressions":[{"key":"team","operator":"In","values":["shop"]}]}},
                                 {"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],
                         "ports":[{"port":5432},{"port":"metrics"},{"port":30000,"endPort":30100,"protocol":"UDP"}]}],
             "egress":[{"to":[{"ipBlock":{"cidr":"2001:db8::/32","except":["2001:db8:1::/48"]}}]}],
             "policyTypes":["Ingress","Egress"]}
            """);
        Assert.Empty(Errors<V1NetworkPolicy>(json));
    }

    [Fact]
    public void Default_MissingPodSelector_SelectsEveryPod()
    {
        var np = Defaulted<V1NetworkPolicy>(Manifest("{}"));
        Assert.NotNull(np.Spec.PodSelector);
        Assert.Null(np.Spec.PodSelector.MatchLabels);
        Assert.Null(np.Spec.PodSelector.MatchExpressions);
        Assert.Empty(Errors<V1NetworkPolicy>(Manifest("{}")));
    }

    [Fact]
    public void Validate_EveryProblem_AllReportedAtOnce()
    {
        var json = Manifest("""
            {"podSelector":{"matchLabels":{"app":"-db"}},
             "ingress":[{"from":[{},{"podSelector":{},"ipBlock":{"cidr":"10.0.0.0/8"}},{"ipBlock":{"cidr":"10.0.0.0/33","except":["192.168.0.0/16"]}},
                                 {"ipBlock":{"cidr":"10.0.0.0/8","except":["10.0.0.0/8","fd00::/8","nope"]}}],
                         "ports":[{"port":0},{"port":"Metrics_Port"},{"port":"http","endPort":90},{"endPort":90},{"port":100,"endPort":90},{"port":80,"protocol":"ICMP"}]}],
             "policyTypes":["Ingress","Ingress","Sideways"]}
            """);
        Assert.Equal(
        [
            "spec.podSelector.matchLabels: Invalid value: \"-db\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')",
            "spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ingress[0].ports[1].port: Invalid value: \"Metrics_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), and must not start or end with a hyphen",
            "spec.ingress[0].ports[2].endPort: Invalid value: 90: may not be specified when `port` is non-numeric",
            "spec.ingress[0].ports[3].port: Required value: must be specified when `endPort` is specified",
            "spec.ingress[0].ports[4].endPort: Invalid value: 90: must be greater than or equal to `port`",
            "spec.ingress[0].ports[5].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
            "spec.ingress[0].from[0]: Required value: must specify a peer",
            "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
            "spec.ingress[0].from[2].ipBlock.cidr: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            "spec.ingress[0].from[3].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`",
            "spec.ingress[0].from[3].ipBlock.except[1]: Invalid value: \"fd00::/8\": must be a strict subset of `cidr`",
            "spec.ingress[0].from[3].ipBlock.except[2]: Invalid value: \"nope\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            "spec.policyTypes[1]: Duplicate value: \"Ingress\"",
            "spec.policyTypes[2]: Unsupported value: \"Sideways\": supported values: \"Ingress\", \"Egress\"",
            "spec.policyTypes: Too many: 3: must have at most 2 items",
        ], Errors<V1NetworkPolicy>(json));
    }
}
