using k8s.Models;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Networking;

public class IngressRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"shop","namespace":"web"},"spec":""" + spec + "}";

    [Fact]
    public void Validate_RealisticIngress_NoErrors()
    {
        var json = Manifest("""
            {"ingressClassName":"switchyard",
             "defaultBackend":{"service":{"name":"fallback","port":{"number":80}}},
             "tls":[{"hosts":["shop.example.com","*.shop.example.com"],"secretName":"shop-tls"}],
             "rules":[{"host":"*.shop.example.com","http":{"paths":[
                 {"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"name":"http"}}}},
                 {"path":"/exact","pathType":"Exact","backend":{"service":{"name":"web","port":{"number":8080}}}},
                 {"pathType":"ImplementationSpecific","backend":{"resource":{"apiGroup":"k8s.example.com","kind":"StorageBucket","name":"static"}}}]}},
               {"host":"shop.example.com"}]}
            """);
        Assert.Empty(Errors<V1Ingress>(json));
    }

    [Fact]
    public void Validate_NoBackendNoRules_Invalid()
    {
        Assert.Equal(["spec: Invalid value: \"\": either `defaultBackend` or `rules` must be specified"], Errors<V1Ingress>(Manifest("{}")));
    }

    [Fact]
    public void Validate_EveryProblem_AllReportedAtOnce()
    {
        var json = Manifest("""
            {"ingressClassName":"Switch_Yard",
             "defaultBackend":{},
             "tls":[{"hosts":["10.0.0.1"],"secretName":"Bad_Secret"}],
             "rules":[{"host":"foo.*.example.com","http":{"paths":[]}},
                      {"host":"*.Example.com","http":{"paths":[
                         {"path":"api","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80,"name":"http"}}}},
                         {"path":"/a//b/..","pathType":"Exact","backend":{"service":{"name":"9web","port":{}}}},
                         {"path":"/x","backend":{"service":{"name":"web","port":{"number":70000}}}},
                         {"path":"/y","pathType":"Regex","backend":{"service":{"name":"web","port":{"name":"http"}},"resource":{"kind":"Bucket","name":"b"}}},
                         {"path":"z","pathType":"ImplementationSpecific","backend":{"resource":{"name":""}}}]}}]}
            """);
        Assert.Equal(
        [
            "spec.defaultBackend: Required value: one of service or resource must be set",
            "spec.rules[0].host: Invalid value: \"foo.*.example.com\": a wildcard is only allowed as the whole first label (e.g. '*.example.com')",
            "spec.rules[0].http.paths: Required value",
            "spec.rules[1].host: Invalid value: \"*.Example.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain (e.g. '*.example.com'); a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.rules[1].http.paths[0].path: Invalid value: \"api\": must be an absolute path",
            "spec.rules[1].http.paths[0].backend.service.port: Invalid value: \"\": cannot set both port name & port number",
            "spec.rules[1].http.paths[1].path: Invalid value: \"/a//b/..\": must not contain '//'",
            "spec.rules[1].http.paths[1].path: Invalid value: \"/a//b/..\": cannot end with '/..'",
            "spec.rules[1].http.paths[1].backend.service.name: Invalid value: \"9web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123')",
            "spec.rules[1].http.paths[1].backend.service.port: Required value: port name or number is required",
            "spec.rules[1].http.paths[2].pathType: Required value: pathType must be specified",
            "spec.rules[1].http.paths[2].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.rules[1].http.paths[3].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"Prefix\", \"ImplementationSpecific\"",
            "spec.rules[1].http.paths[3].backend: Invalid value: \"\": cannot set both resource and service backends",
            "spec.rules[1].http.paths[4].path: Invalid value: \"z\": must be an absolute path",
            "spec.rules[1].http.paths[4].backend.resource.kind: Required value",
            "spec.rules[1].http.paths[4].backend.resource.name: Required value",
            "spec.tls[0].hosts[0]: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address",
            "spec.tls[0].secretName: Invalid value: \"Bad_Secret\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.ingressClassName: Invalid value: \"Switch_Yard\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
        ], Errors<V1Ingress>(json));
    }
}
