using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class GRPCRouteRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"GRPCRoute","metadata":{"name":"greeter","namespace":"web"},"spec":""" + spec + "}";

    private static string Rule(string rule) => Manifest("""{"parentRefs":[{"name":"edge"}],"rules":[""" + rule + "]}");

    [Fact]
    public void ApplyDefaults_MatchesFiltersAndBackends_FilledAsTheCrdDoes()
    {
        var route = Defaulted<GRPCRoute>(Rule("""
            {"matches":[{"method":{"service":"helloworld.Greeter"},"headers":[{"name":"x-env","value":"canary"}]},{"headers":[{"name":"x-a","value":"1"}]}],
             "filters":[{"type":"RequestMirror","requestMirror":{"backendRef":{"name":"shadow","port":50051}}}],
             "backendRefs":[{"name":"greeter","port":50051}]}
            """));
        var rule = Assert.Single(route.Spec.Rules!);
        Assert.Equal("Exact", rule.Matches![0].Method!.Type);
        Assert.Equal("Exact", rule.Matches[0].Headers![0].Type);
        Assert.Null(rule.Matches[1].Method);
        Assert.Equal(("", "Service"), (rule.Filters![0].RequestMirror!.BackendRef.Group, rule.Filters[0].RequestMirror!.BackendRef.Kind));
        Assert.Equal(("", "Service", 1), (rule.BackendRefs![0].Group, rule.BackendRefs[0].Kind, rule.BackendRefs[0].Weight));
        Assert.Equal(("gateway.networking.k8s.io", "Gateway"), (route.Spec.ParentRefs![0].Group, route.Spec.ParentRefs[0].Kind));
    }

    [Fact]
    public void ApplyDefaults_RuleWithoutMatches_StaysWithoutMatches()
    {
        var route = Defaulted<GRPCRoute>(Rule("""{"backendRefs":[{"name":"greeter","port":50051}]}"""));
        Assert.Null(route.Spec.Rules![0].Matches);
    }

    [Fact]
    public void Validate_RealisticRoute_NoErrors()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge","namespace":"infra","sectionName":"https"}],
             "hostnames":["grpc.example.com"],
             "rules":[
               {"name":"say","matches":[{"method":{"service":"helloworld.Greeter","method":"SayHello"}},{"method":{"service":".grpc.health.v1.Health"}},
                                       {"method":{"method":"Check"},"headers":[{"name":"x-env","value":"canary"},{"name":"x-id","type":"RegularExpression","value":"[0-9]+"}]}],
                "filters":[{"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-a","value":"1"}]}},
                           {"type":"ResponseHeaderModifier","responseHeaderModifier":{"remove":["x-b"]}},
                           {"type":"RequestMirror","requestMirror":{"backendRef":{"name":"shadow","port":50051},"percent":10}}],
                "backendRefs":[{"name":"v1","port":50051,"weight":90},{"name":"v2","port":50051,"weight":10,
                  "filters":[{"type":"RequestHeaderModifier","requestHeaderModifier":{"add":[{"name":"x-version","value":"v2"}]}}]}]},
               {"matches":[{"method":{"type":"RegularExpression","service":"shop\\..*","method":"Get.*"}}],"backendRefs":[{"name":"shop","port":50051}]}]}
            """);
        Assert.Empty(Errors<GRPCRoute>(json));
    }

    [Fact]
    public void Validate_MethodMatchProblems_AllReportedAtOnce()
    {
        var json = Rule("""
            {"matches":[{"method":{}},{"method":{"type":"Exact","service":"","method":""}},{"method":{"service":"hello/world.Greeter","method":"Say.Hello"}},
                        {"method":{"service":"1bad.Service","method":"9Say"}},{"method":{"type":"Prefix","service":"a"}},
                        {"method":{"type":"RegularExpression","service":"hello/.*"}},
                        {"headers":[{"name":"x-a","value":"1"},{"name":"X-A","value":"2"},{"name":"bad header","value":""},{"name":"q","value":"1","type":"Fuzzy"}]},
                        {},{"method":{"service":"a"}}],
             "backendRefs":[{"name":"greeter","port":50051}]}
            """);
        Assert.Equal(
        [
            "spec.rules[0].matches: Too many: 9: must have at most 8 items",
            "spec.rules[0].matches[0].method: Required value: one or both of service and method must be set",
            "spec.rules[0].matches[1].method: Required value: one or both of service and method must be set",
            "spec.rules[0].matches[2].method.service: Invalid value: \"hello/world.Greeter\": must be a gRPC service name: dot-separated identifiers of letters, digits and '_', each starting with a letter or '_' (e.g. helloworld.Greeter)",
            "spec.rules[0].matches[2].method.method: Invalid value: \"Say.Hello\": must be a gRPC method name: letters, digits and '_', starting with a letter or '_' (e.g. SayHello)",
            "spec.rules[0].matches[3].method.service: Invalid value: \"1bad.Service\": must be a gRPC service name: dot-separated identifiers of letters, digits and '_', each starting with a letter or '_' (e.g. helloworld.Greeter)",
            "spec.rules[0].matches[3].method.method: Invalid value: \"9Say\": must be a gRPC method name: letters, digits and '_', starting with a letter or '_' (e.g. SayHello)",
            "spec.rules[0].matches[4].method.type: Unsupported value: \"Prefix\": supported values: \"Exact\", \"RegularExpression\"",
            "spec.rules[0].matches[6].headers[1].name: Duplicate value: \"X-A\"",
            "spec.rules[0].matches[6].headers[2].name: Invalid value: \"bad header\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")",
            "spec.rules[0].matches[6].headers[2].value: Required value",
            "spec.rules[0].matches[6].headers[3].type: Unsupported value: \"Fuzzy\": supported values: \"Exact\", \"RegularExpression\"",
        ], Errors<GRPCRoute>(json));
    }

    [Fact]
    public void Validate_FilterAndBackendProblems_AllReportedAtOnce()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge"},{"name":"edge"}],
             "hostnames":["Grpc.example.com"],
             "rules":[{"name":"dup",
                       "filters":[{"type":"URLRewrite","urlRewrite":{"hostname":"x.example.com"}},
                                  {"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x","value":"1"}]}},
                                  {"type":"RequestHeaderModifier","requestHeaderModifier":{"add":[{"name":"y","value":"2"}]}},
                                  {"type":"RequestMirror","requestMirror":{"backendRef":{"name":"shadow"},"percent":150}}],
                       "backendRefs":[{"name":"web"},{"name":"web","port":80,"weight":-1,"filters":[{"type":"RequestRedirect","requestRedirect":{"scheme":"https"}}]}]},
                      {"name":"dup","backendRefs":[{"name":"","port":0}]}]}
            """);
        Assert.Equal(
        [
            "spec.parentRefs[0]: Required value: sectionName or port must be set when several parentRefs name Gateway edge",
            "spec.parentRefs[1]: Required value: sectionName or port must be set when several parentRefs name Gateway edge",
            "spec.hostnames[0]: Invalid value: \"Grpc.example.com\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.rules[0].filters[0].type: Unsupported value: \"URLRewrite\": supported values: \"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", \"ExtensionRef\"",
            "spec.rules[0].filters[2].type: Duplicate value: \"RequestHeaderModifier\"",
            "spec.rules[0].filters[3].requestMirror.backendRef.port: Required value: a Service backend must name its port",
            "spec.rules[0].filters[3].requestMirror.percent: Invalid value: 150: must be between 0 and 100, inclusive",
            "spec.rules[0].backendRefs[0].port: Required value: a Service backend must name its port",
            "spec.rules[0].backendRefs[1].weight: Invalid value: -1: must be between 0 and 1000000, inclusive",
            "spec.rules[0].backendRefs[1].filters[0].type: Unsupported value: \"RequestRedirect\": supported values: \"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", \"ExtensionRef\"",
            "spec.rules[1].name: Duplicate value: \"dup\"",
            "spec.rules[1].backendRefs[0].name: Required value",
            "spec.rules[1].backendRefs[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        ], Errors<GRPCRoute>(json));
    }
}
