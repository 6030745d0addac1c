using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class BackendTLSPolicyRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"BackendTLSPolicy","metadata":{"name":"api-tls","namespace":"web"},"spec":""" + spec + "}";

    [Fact]
    public void Validate_RealisticPolicies_NoErrors()
    {
        Assert.Empty(Errors<BackendTLSPolicy>(Manifest("""
            {"targetRefs":[{"group":"","kind":"Service","name":"api","sectionName":"https"},{"group":"","kind":"Service","name":"admin"}],
             "validation":{"caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"api-ca"}],"hostname":"api.web.svc",
               "subjectAltNames":[{"type":"Hostname","hostname":"*.web.svc"},{"type":"URI","uri":"spiffe://cluster.local/ns/web/sa/api"}]}}
            """)));
        Assert.Empty(Errors<BackendTLSPolicy>(Manifest("""
            {"targetRefs":[{"group":"","kind":"Service","name":"api"}],"validation":{"wellKnownCACertificates":"System","hostname":"api.example.com"}}
            """)));
    }

    [Fact]
    public void Validate_EveryProblem_ReportedAtOnce()
    {
        var json = Manifest("""
            {"targetRefs":[{"group":"apps","kind":"Deployment","name":"api"},{"group":"","kind":"Service","name":"web"},{"group":"","kind":"Service","name":"web"}],
             "validation":{"caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"}],"wellKnownCACertificates":"Everything","hostname":"*.web.svc",
               "subjectAltNames":[{"type":"Hostname"},{"type":"URI","uri":"/no/scheme","hostname":"a.b"},{"type":"IP","hostname":"10.0.0.1"}]}}
            """);
        Assert.Equal(
        [
            "spec.targetRefs[0].kind: Unsupported value: \"apps/Deployment\": supported values: \"Service\"",
            "spec.targetRefs[2]: Duplicate value: \"web\"",
            "spec.validation.hostname: Invalid value: \"*.web.svc\": must be a lowercase RFC 1123 hostname without wildcard (e.g. \"example.com\")",
            "spec.validation: Invalid value: null: exactly one of caCertificateRefs and wellKnownCACertificates must be set",
            "spec.validation.wellKnownCACertificates: Unsupported value: \"Everything\": supported values: \"System\"",
            "spec.validation.subjectAltNames[0].hostname: Required value: type Hostname sets hostname",
            "spec.validation.subjectAltNames[1].uri: Invalid value: \"/no/scheme\": must be an absolute URI (RFC 3986) of at most 253 characters, such as spiffe://cluster.local/ns/web/sa/api",
            "spec.validation.subjectAltNames[1].hostname: Forbidden: only with type Hostname",
            "spec.validation.subjectAltNames[2].type: Unsupported value: \"IP\": supported values: \"Hostname\", \"URI\"",
        ], Errors<BackendTLSPolicy>(json));
    }

    [Fact]
    public void Validate_MissingTargetsAndValidation_BothReported()
    {
        Assert.Equal(
        [
            "spec.targetRefs: Required value: must name at least one Service",
            "spec.validation: Required value",
        ], Errors<BackendTLSPolicy>(Manifest("{}")));
    }

    [Fact]
    public void Validate_IpAddressHostname_Refused()
    {
        var errors = Errors<BackendTLSPolicy>(Manifest("""
            {"targetRefs":[{"group":"","kind":"Service","name":"api"}],"validation":{"wellKnownCACertificates":"System","hostname":"10.0.0.1"}}
            """));
        Assert.Contains("spec.validation.hostname: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address", errors);
    }
}
