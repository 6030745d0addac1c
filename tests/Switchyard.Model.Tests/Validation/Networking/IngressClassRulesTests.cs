using k8s.Models;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Networking;

public class IngressClassRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"switchyard"},"spec":""" + spec + "}";

    [Fact]
    public void ApplyDefaults_ParametersScope_Cluster()
    {
        var ic = Defaulted<V1IngressClass>(Manifest("""{"controller":"switchyard.dev/ingress","parameters":{"kind":"Params","name":"p"}}"""));
        Assert.Equal("Cluster", ic.Spec.Parameters.Scope);
    }

    [Fact]
    public void Validate_ValidClasses_NoErrors()
    {
        Assert.Empty(Errors<V1IngressClass>(Manifest("""{"controller":"switchyard.dev/ingress-controller"}""")));
        Assert.Empty(Errors<V1IngressClass>(Manifest("""{"controller":"k8s.io/ingress-nginx","parameters":{"apiGroup":"k8s.example.com","kind":"Params","name":"p","scope":"Namespace","namespace":"ingress"}}""")));
    }

    [Fact]
    public void Validate_MissingController_Required()
    {
        Assert.Equal(["spec.controller: Required value"], Errors<V1IngressClass>(Manifest("{}")));
    }

    [Theory]
    [InlineData("ingress-controller", "spec.controller: Invalid value: \"ingress-controller\": must be a domain-prefixed path (such as \"acme.io/foo\")")]
    [InlineData("Acme.io/foo", "spec.controller: Invalid value: \"Acme.io/foo\": domain prefix: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")]
    [InlineData("acme.io/", "spec.controller: Invalid value: \"acme.io/\": must be a domain-prefixed path (such as \"acme.io/foo\")")]
    [InlineData("acme.io/a b", "spec.controller: Invalid value: \"acme.io/a b\": path part may only contain URL path characters (e.g. \"acme.io/ingress-controller\")")]
    public void Validate_BadController_Invalid(string controller, string expected)
    {
        Assert.Equal([expected], Errors<V1IngressClass>(Manifest($$"""{"controller":"{{controller}}"}""")));
    }

    [Fact]
    public void Validate_ParameterProblems_AllReportedAtOnce()
    {
        var json = Manifest("""{"controller":"acme.io/x","parameters":{"apiGroup":"Bad_Group","kind":"","name":"","scope":"Cluster","namespace":"x"}}""");
        Assert.Equal(
        [
            "spec.parameters.apiGroup: Invalid value: \"Bad_Group\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.parameters.kind: Required value",
            "spec.parameters.name: Required value",
            "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
        ], Errors<V1IngressClass>(json));
        var ns = Manifest("""{"controller":"acme.io/x","parameters":{"kind":"K","name":"n","scope":"Namespace"}}""");
        Assert.Equal(["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"], Errors<V1IngressClass>(ns));
        var scope = Manifest("""{"controller":"acme.io/x","parameters":{"kind":"K","name":"n","scope":"Global"}}""");
        Assert.Equal(["spec.parameters.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespace\""], Errors<V1IngressClass>(scope));
    }
}
