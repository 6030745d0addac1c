using Switchyard.Model.Gateway;
using Switchyard.Model.Validation.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>
/// The ExternalAuth filter's rules (v1.4 experimental CRD): protocol and its sub-configuration, the backendRef, the
/// HTTP path prefix, header lists, forwardBody.maxSize; every problem at once with its field path.
/// </summary>
public class HTTPExternalAuthFilterRulesTests
{
    private const string Path = "spec.rules[0].filters[0].externalAuth";

    private static string Route(string externalAuth) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"shop","namespace":"web"},"spec":{"parentRefs":[{"name":"edge"}],"rules":[{"filters":[{"type":"ExternalAuth","externalAuth":"""
        + externalAuth + """}],"backendRefs":[{"name":"web","port":80}]}]}}""";

    [Theory]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"authz","port":9000},"http":{}}""")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"authz","namespace":"security","port":9000},"http":{"path":"/ext/check","allowedHeaders":["x-tenant","Cookie"],"allowedResponseHeaders":["x-user"]},"forwardBody":{"maxSize":65535}}""")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"authz","port":9000},"http":{"path":"check%20v2:x@y"},"forwardBody":{"maxSize":0}}""")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"authz","port":9000},"http":{},"forwardBody":{}}""")]
    [InlineData("""{"protocol":"GRPC","backendRef":{"name":"ext-authz","port":9001},"grpc":{}}""")]
    [InlineData("""{"protocol":"GRPC","backendRef":{"group":"example.com","kind":"AuthBackend","name":"a"},"grpc":{"allowedHeaders":["x-tenant"]},"forwardBody":{"maxSize":512}}""")]
    public void Validate_ValidFilter_NoErrors(string externalAuth) => Assert.Empty(Errors<HTTPRoute>(Route(externalAuth)));

    [Theory]
    [InlineData("""{"backendRef":{"name":"a","port":1},"http":{}}""", "protocol: Required value")]
    [InlineData("""{"protocol":"http","backendRef":{"name":"a","port":1}}""", "protocol: Unsupported value: \"http\": supported values: \"HTTP\", \"GRPC\"")]
    [InlineData("""{"protocol":"HTTP","http":{}}""", "backendRef: Required value")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a"},"http":{}}""", "backendRef.port: Required value: a Service backend must name its port")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"","port":1},"http":{}}""", "backendRef.name: Required value")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":0},"http":{}}""", "backendRef.port: Invalid value: 0: must be between 1 and 65535, inclusive")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1}}""", "http: Required value: must be set when protocol is HTTP")]
    [InlineData("""{"protocol":"GRPC","backendRef":{"name":"a","port":1}}""", "grpc: Required value: must be set when protocol is GRPC")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{"path":"/check?x=1"}}""",
        "http.path: Invalid value: \"/check?x=1\": may only contain URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes)")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{"path":"/a%zz"}}""",
        "http.path: Invalid value: \"/a%zz\": may only contain URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes)")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{"path":""}}""", "http.path: Invalid value: \"\": must not be empty; leave it out to add no prefix")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{"allowedHeaders":["x a"]}}""",
        "http.allowedHeaders[0]: Invalid value: \"x a\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{"allowedResponseHeaders":["x-user","X-User"]}}""", "http.allowedResponseHeaders[1]: Duplicate value: \"X-User\"")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{"allowedHeaders":[""]}}""", "http.allowedHeaders[0]: Required value")]
    [InlineData("""{"protocol":"GRPC","backendRef":{"name":"a","port":1},"grpc":{"allowedHeaders":["ok","bad:"]}}""",
        "grpc.allowedHeaders[1]: Invalid value: \"bad:\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{},"forwardBody":{"maxSize":65536}}""", "forwardBody.maxSize: Invalid value: 65536: must be between 0 and 65535, inclusive")]
    [InlineData("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{},"forwardBody":{"maxSize":-1}}""", "forwardBody.maxSize: Invalid value: -1: must be between 0 and 65535, inclusive")]
    public void Validate_InvalidField_ExactMessage(string externalAuth, string error) => Assert.Equal([$"{Path}.{error}"], Errors<HTTPRoute>(Route(externalAuth)));

    [Fact]
    public void Validate_OtherProtocolsSettings_Forbidden()
    {
        Assert.Equal(
        [
            $"{Path}.grpc: Forbidden: may only be set when protocol is GRPC",
        ], Errors<HTTPRoute>(Route("""{"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{},"grpc":{}}""")));
        Assert.Equal(
        [
            $"{Path}.grpc: Required value: must be set when protocol is GRPC",
            $"{Path}.http: Forbidden: may only be set when protocol is HTTP",
        ], Errors<HTTPRoute>(Route("""{"protocol":"GRPC","backendRef":{"name":"a","port":1},"http":{}}""")));
    }

    [Fact]
    public void Validate_Limits_TooManyAndTooLong()
    {
        var headers = string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"x-h{i}\""));
        var errors = Errors<HTTPRoute>(Route($$$"""
            {"protocol":"HTTP","backendRef":{"name":"a","port":1},"http":{"path":"/{{{new string('p', 1024)}}}","allowedHeaders":[{{{headers}}}],"allowedResponseHeaders":[{{{headers}}}]}}
            """));
        Assert.Equal(
        [
            $"{Path}.http.path: Too long: may not be more than 1024 characters",
            $"{Path}.http.allowedHeaders: Too many: 65: must have at most 64 items",
            $"{Path}.http.allowedResponseHeaders: Too many: 65: must have at most 64 items",
        ], errors);
    }

    [Fact]
    public void Validate_SeveralProblems_AllListedAtOnce()
    {
        var errors = Errors<HTTPRoute>(Route("""
            {"protocol":"SOAP","backendRef":{"name":"a"},"http":{"path":"#frag","allowedHeaders":["x","x"]},"grpc":{"allowedHeaders":["y y"]},"forwardBody":{"maxSize":100000}}
            """));
        Assert.Equal(
        [
            $"{Path}.protocol: Unsupported value: \"SOAP\": supported values: \"HTTP\", \"GRPC\"",
            $"{Path}.backendRef.port: Required value: a Service backend must name its port",
            $"{Path}.grpc.allowedHeaders[0]: Invalid value: \"y y\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")",
            $"{Path}.http.path: Invalid value: \"#frag\": may only contain URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes)",
            $"{Path}.http.allowedHeaders[1]: Duplicate value: \"x\"",
            $"{Path}.forwardBody.maxSize: Invalid value: 100000: must be between 0 and 65535, inclusive",
        ], errors);
    }

    [Fact]
    public void Validate_UnionWithFilterType_MemberMatchesType()
    {
        var missing = Errors<HTTPRoute>(Route("""{"protocol":"HTTP"}""").Replace("\"externalAuth\":{\"protocol\":\"HTTP\"}", "\"cors\":{}", StringComparison.Ordinal));
        Assert.Equal(
        [
            "spec.rules[0].filters[0].cors: Forbidden: must not be set for a filter of type ExternalAuth",
            "spec.rules[0].filters[0].externalAuth: Required value: must be set for a filter of type ExternalAuth",
        ], missing);
        var grpc = Errors<GRPCRoute>("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"GRPCRoute","metadata":{"name":"api","namespace":"web"},
             "spec":{"rules":[{"filters":[{"type":"ExternalAuth","externalAuth":{"protocol":"GRPC","backendRef":{"name":"a","port":1},"grpc":{}}}],"backendRefs":[{"name":"api","port":50051}]}]}}
            """);
        Assert.Equal(["spec.rules[0].filters[0].type: Unsupported value: \"ExternalAuth\": supported values: \"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", \"ExtensionRef\""], grpc);
    }

    [Fact]
    public void ApplyDefaults_BackendRef_CoreServiceKind()
    {
        var route = Defaulted<HTTPRoute>(Route("""{"protocol":"HTTP","backendRef":{"name":"authz","port":9000},"http":{}}"""));
        var backendRef = route.Spec.Rules![0].Filters![0].ExternalAuth!.BackendRef!;
        Assert.Equal(("", "Service"), (backendRef.Group, backendRef.Kind));
    }

    [Fact]
    public void Validate_PublicEntryPoint_SameErrorsWithTheGivenPath()
    {
        var errors = HTTPExternalAuthFilterRules.Validate(new HTTPExternalAuthFilter { Protocol = "HTTP" }, "externalAuth");
        Assert.Equal(["externalAuth.backendRef: Required value", "externalAuth.http: Required value: must be set when protocol is HTTP"], errors.Select(e => e.ToString()));
    }
}
