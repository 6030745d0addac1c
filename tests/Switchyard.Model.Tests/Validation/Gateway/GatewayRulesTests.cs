using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;
using GatewayResource = Switchyard.Model.Gateway.Gateway;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class GatewayRulesTests
{
    private static string Manifest(string listeners, string extra = "") =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"edge","namespace":"infra"},"spec":{"gatewayClassName":"switchyard","listeners":"""
        + listeners + extra + "}}";

    [Fact]
    public void ApplyDefaults_Listener_AllowedRoutesSameAndTlsTerminate()
    {
        var gw = Defaulted<GatewayResource>(Manifest("""[{"name":"https","port":443,"protocol":"HTTPS","tls":{"certificateRefs":[{"name":"cert"}]},"allowedRoutes":{"kinds":[{"kind":"HTTPRoute"}]}}]""", ""","addresses":[{"value":"127.0.0.10"}]"""));
        var l = gw.Spec.Listeners![0];
        Assert.Equal("Same", l.AllowedRoutes!.Namespaces!.From);
        Assert.Equal("gateway.networking.k8s.io", l.AllowedRoutes.Kinds![0].Group);
        Assert.Equal("Terminate", l.Tls!.Mode);
        Assert.Equal("", l.Tls.CertificateRefs![0].Group);
        Assert.Equal("Secret", l.Tls.CertificateRefs[0].Kind);
        Assert.Equal("IPAddress", gw.Spec.Addresses![0].Type);
    }

    [Fact]
    public void ApplyDefaults_ExplicitValues_Kept()
    {
        var gw = Defaulted<GatewayResource>(Manifest("""[{"name":"tls","port":443,"protocol":"TLS","tls":{"mode":"Passthrough"},"allowedRoutes":{"namespaces":{"from":"All"}}}]"""));
        Assert.Equal("All", gw.Spec.Listeners![0].AllowedRoutes!.Namespaces!.From);
        Assert.Equal("Passthrough", gw.Spec.Listeners[0].Tls!.Mode);
    }

    [Fact]
    public void Validate_RealisticGateway_NoErrors()
    {
        var json = Manifest("""
            [{"name":"http","port":80,"protocol":"HTTP"},
             {"name":"https","hostname":"*.example.com","port":443,"protocol":"HTTPS","tls":{"certificateRefs":[{"name":"wildcard"}]},
              "allowedRoutes":{"namespaces":{"from":"Selector","selector":{"matchLabels":{"gateway-access":"yes"}}}}},
             {"name":"db","port":5432,"protocol":"TCP"},
             {"name":"custom","port":9000,"protocol":"example.com/thrift"}]
            """, ""","addresses":[{"type":"IPAddress","value":"127.0.0.10"},{"type":"Hostname","value":"edge.example.com"}],"infrastructure":{"labels":{"team":"net"}}""");
        Assert.Empty(Errors<GatewayResource>(json));
    }

    [Fact]
    public void Validate_NoListeners_Required()
    {
        Assert.Equal(["spec.listeners: Required value: a Gateway needs at least one listener"], Errors<GatewayResource>(Manifest("[]")));
    }

    [Fact]
    public void Validate_ListenerProblems_AllReportedAtOnce()
    {
        var json = Manifest("""
            [{"name":"Web","port":0,"protocol":"HTTP","tls":{"certificateRefs":[{"name":"c"}]}},
             {"name":"tcp","hostname":"db.example.com","port":70000,"protocol":"SCTP"},
             {"name":"raw","hostname":"db.example.com","port":5432,"protocol":"TCP"},
             {"name":"https","hostname":"Bad_Host","port":443,"protocol":"HTTPS","tls":{}},
             {"name":"https","hostname":"Bad_Host","port":443,"protocol":"HTTPS","tls":{"mode":"Reencrypt","certificateRefs":[{"name":"c"}]}}]
            """);
        Assert.Equal(
        [
            "spec.listeners[0].name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.listeners[0].port: Required value",
            "spec.listeners[0].tls: Forbidden: tls may not be set for protocol HTTP; use HTTPS or TLS",
            "spec.listeners[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.listeners[1].protocol: Unsupported value: \"SCTP\": supported values: \"HTTP\", \"HTTPS\", \"TLS\", \"TCP\", \"UDP\", \"<domain>/<name> (implementation-specific)\"",
            "spec.listeners[2].hostname: Forbidden: a hostname can not be matched on protocol TCP",
            "spec.listeners[3].hostname: Invalid value: \"Bad_Host\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.listeners[3].tls.certificateRefs: Required value: mode Terminate needs at least one certificateRef (or implementation options)",
            "spec.listeners[4].hostname: Invalid value: \"Bad_Host\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.listeners[4].tls.mode: Unsupported value: \"Reencrypt\": supported values: \"Terminate\", \"Passthrough\"",
            "spec.listeners[4].name: Duplicate value: \"https\"",
            "spec.listeners[4]: Invalid value: \"HTTPS/443 Bad_Host\": port, protocol and hostname must be distinct from every other listener (same as spec.listeners[3])",
        ], Errors<GatewayResource>(json));
    }

    [Fact]
    public void Validate_AddressesAllowedRoutesAndInfrastructure_AllReported()
    {
        var json = Manifest("""
            [{"name":"http","port":80,"protocol":"HTTP","allowedRoutes":{"namespaces":{"from":"Selector"},"kinds":[{"kind":"HTTPRoute"},{"group":"Bad_Group","kind":"-x"}]}},
             {"name":"http2","port":8080,"protocol":"HTTP","allowedRoutes":{"namespaces":{"from":"Everywhere","selector":{"matchExpressions":[{"key":"team","operator":"Has"}]}}}}]
            """, ""","addresses":[{"value":"10.0.0.300"},{"type":"Hostname","value":"*.Edge"},{"type":"IPAddress","value":"127.0.0.1"},{"value":"127.0.0.1"},{"type":"Elastic","value":"x"}],"infrastructure":{"labels":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9"},"parametersRef":{"group":"example.com","kind":"Config","name":""}},"tls":{"backend":{"clientCertificateRef":{"name":""}}}""");
        Assert.Equal(
        [
            "spec.listeners[0].allowedRoutes.namespaces.selector: Required value: from: Selector needs a namespace selector",
            "spec.listeners[0].allowedRoutes.kinds[1].group: Invalid value: \"Bad_Group\": must be empty (the core group) or a lowercase DNS subdomain (e.g. \"gateway.networking.k8s.io\")",
            "spec.listeners[0].allowedRoutes.kinds[1].kind: Invalid value: \"-x\": must start with a letter and contain only letters, digits and '-' (e.g. \"Service\")",
            "spec.listeners[1].allowedRoutes.namespaces.from: Unsupported value: \"Everywhere\": supported values: \"All\", \"Selector\", \"Same\"",
            "spec.listeners[1].allowedRoutes.namespaces.selector.matchExpressions[0].operator: Unsupported value: \"Has\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"",
            "spec.addresses[0].value: Invalid value: \"10.0.0.300\": must be an IPv4 or IPv6 address",
            "spec.addresses[1].value: Invalid value: \"*.Edge\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.addresses[3].value: Duplicate value: \"127.0.0.1\"",
            "spec.addresses[4].type: Unsupported value: \"Elastic\": supported values: \"IPAddress\", \"Hostname\", \"NamedAddress\", \"<domain>/<name> (implementation-specific)\"",
            "spec.infrastructure.labels: Too many: 9: must have at most 8 items",
            "spec.infrastructure.parametersRef.name: Required value",
            "spec.tls.backend.clientCertificateRef.name: Required value",
        ], Errors<GatewayResource>(json));
    }

    [Fact]
    public void Validate_TerminateWithOptionsOnly_Accepted()
    {
        var json = Manifest("""[{"name":"https","port":443,"protocol":"HTTPS","tls":{"mode":"Terminate","options":{"networking.gke.io/cert-map":"m"}}}]""");
        Assert.Empty(Errors<GatewayResource>(json));
    }

    [Fact]
    public void Validate_SameHostnameOnDifferentPorts_Accepted()
    {
        var json = Manifest("""[{"name":"a","hostname":"a.example.com","port":80,"protocol":"HTTP"},{"name":"b","hostname":"a.example.com","port":8080,"protocol":"HTTP"},{"name":"c","port":80,"protocol":"HTTP"}]""");
        Assert.Empty(Errors<GatewayResource>(json));
    }

    [Fact]
    public void Validate_SixtyFiveListeners_TooMany()
    {
        var listeners = "[" + string.Join(",", Enumerable.Range(1, 65).Select(i => $$"""{"name":"l{{i}}","port":{{i}},"protocol":"TCP"}""")) + "]";
        Assert.Equal(["spec.listeners: Too many: 65: must have at most 64 items"], Errors<GatewayResource>(Manifest(listeners)));
    }

    private const string HttpsListener = """[{"name":"https","port":443,"protocol":"HTTPS","tls":{"certificateRefs":[{"name":"cert"}]}}]""";

    [Fact]
    public void ApplyDefaults_GatewayTls_ModeAllowValidOnlyAndSecretRef()
    {
        var gw = Defaulted<GatewayResource>(Manifest(HttpsListener, """
            ,"tls":{
            "frontend":{"default":{"validation":{"caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"}]}},
            "perPort":[{"port":443,"tls":{"validation":{"caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"}]}}},
            {"port":8443,"tls":{"validation":{"mode":"AllowInsecureFallback","caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"}]}}}]},
            "backend":{"clientCertificateRef":{"name":"client"}}}
            """));
        var tls = gw.Spec.Tls!;
        Assert.Equal("AllowValidOnly", tls.Frontend!.Default!.Validation!.Mode);
        Assert.Equal("AllowValidOnly", tls.Frontend.PerPort![0].Tls!.Validation!.Mode);
        Assert.Equal("AllowInsecureFallback", tls.Frontend.PerPort[1].Tls!.Validation!.Mode);
        Assert.Equal(("", "Secret"), (tls.Backend!.ClientCertificateRef!.Group, tls.Backend.ClientCertificateRef.Kind));
    }

    [Fact]
    public void Validate_GatewayTls_Realistic_NoErrors()
    {
        var json = Manifest(HttpsListener, """
            ,"tls":{
            "frontend":{"default":{},
            "perPort":[{"port":443,"tls":{"validation":{"mode":"AllowValidOnly","caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"},{"group":"","kind":"Secret","name":"ca2","namespace":"pki"}]}}}]},
            "backend":{"clientCertificateRef":{"name":"client","namespace":"pki"}}}
            """);
        Assert.Empty(Errors<GatewayResource>(json));
    }

    [Fact]
    public void Validate_GatewayTlsProblems_AllReportedAtOnce()
    {
        var nine = string.Join(",", Enumerable.Range(1, 9).Select(i => $$"""{"group":"","kind":"ConfigMap","name":"ca{{i}}"}"""));
        var json = Manifest(HttpsListener, $$$$"""
            ,"tls":{
            "frontend":{"default":{"validation":{"caCertificateRefs":[],"mode":"Sometimes"}},
            "perPort":[{"port":443,"tls":{"validation":{"caCertificateRefs":[{{{{nine}}}}]}}},
            {"port":443,"tls":{"validation":{"caCertificateRefs":[{"kind":"ConfigMap","name":"Bad_Name"}]}}},
            {"port":0},
            {"port":70000,"tls":{}}]},
            "backend":{"clientCertificateRef":{"kind":"Secret","name":""}}}
            """);
        Assert.Equal(
        [
            "spec.tls.backend.clientCertificateRef.name: Required value",
            "spec.tls.frontend.default.validation.caCertificateRefs: Required value: at least one ConfigMap (or Secret) holding the CA certificates in ca.crt",
            "spec.tls.frontend.default.validation.mode: Unsupported value: \"Sometimes\": supported values: \"AllowValidOnly\", \"AllowInsecureFallback\"",
            "spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs: Too many: 9: must have at most 8 items",
            "spec.tls.frontend.perPort[1].port: Duplicate value: 443",
            "spec.tls.frontend.perPort[1].tls.validation.caCertificateRefs[0].group: Required value: use \"\" for the core group",
            "spec.tls.frontend.perPort[2].port: Required value",
            "spec.tls.frontend.perPort[2].tls: Required value",
            "spec.tls.frontend.perPort[3].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        ], Errors<GatewayResource>(json));
    }

    [Fact]
    public void Validate_FrontendWithoutDefault_Required()
    {
        Assert.Equal(
            ["spec.tls.frontend.default: Required value: the validation of HTTPS listeners without a perPort entry (may be {})"],
            Errors<GatewayResource>(Manifest(HttpsListener, ""","tls":{"frontend":{"perPort":[]}}""")));
    }

    [Fact]
    public void Validate_FieldsRemovedInV15_RefusedSayingWhereTheyMoved()
    {
        var json = Manifest("""[{"name":"https","port":443,"protocol":"HTTPS","tls":{"certificateRefs":[{"name":"cert"}],"frontendValidation":{"caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"}]}}}]""",
            ""","backendTLS":{"clientCertificateRef":{"name":"client"}}""");
        Assert.Equal(
        [
            "spec.listeners[0].tls.frontendValidation: Forbidden: removed in Gateway API v1.5; client certificates are validated per Gateway in spec.tls.frontend (default, or perPort for this listener's port)",
            "spec.backendTLS: Forbidden: removed in Gateway API v1.5; set the client certificate in spec.tls.backend.clientCertificateRef",
        ], Errors<GatewayResource>(json));
    }
}
