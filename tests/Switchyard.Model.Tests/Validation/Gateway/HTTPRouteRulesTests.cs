using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class HTTPRouteRulesTests
{
    private static string Manifest(string spec) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"shop","namespace":"web"},"spec":""" + spec + "}";

    private static string Rule(string rule) => Manifest("""{"parentRefs":[{"name":"edge"}],"rules":[""" + rule + "]}");

    [Fact]
    public void ApplyDefaults_NoRules_OneRuleMatchingEveryPath()
    {
        var route = Defaulted<HTTPRoute>(Manifest("""{"parentRefs":[{"name":"edge","sectionName":"http"}]}"""));
        var rule = Assert.Single(route.Spec.Rules!);
        var match = Assert.Single(rule.Matches!);
        Assert.Equal("PathPrefix", match.Path!.Type);
        Assert.Equal("/", match.Path.Value);
        Assert.Equal("gateway.networking.k8s.io", route.Spec.ParentRefs![0].Group);
        Assert.Equal("Gateway", route.Spec.ParentRefs[0].Kind);
    }

    [Fact]
    public void ApplyDefaults_MatchesAndBackends_FilledAsTheCrdDoes()
    {
        var route = Defaulted<HTTPRoute>(Rule("""
            {"matches":[{"headers":[{"name":"x-env","value":"canary"}],"queryParams":[{"name":"v","value":"2"}]},{"path":{"value":"/api"}},{"path":{"type":"Exact"}}],
             "filters":[{"type":"RequestRedirect","requestRedirect":{"scheme":"https"}},{"type":"RequestMirror","requestMirror":{"backendRef":{"name":"shadow","port":80},"fraction":{"numerator":5}}}],
             "backendRefs":[{"name":"web","port":8080}]}
            """));
        var rule = route.Spec.Rules![0];
        Assert.Equal(("PathPrefix", "/"), (rule.Matches![0].Path!.Type, rule.Matches[0].Path!.Value));
        Assert.Equal("Exact", rule.Matches[0].Headers![0].Type);
        Assert.Equal("Exact", rule.Matches[0].QueryParams![0].Type);
        Assert.Equal(("PathPrefix", "/api"), (rule.Matches[1].Path!.Type, rule.Matches[1].Path!.Value));
        Assert.Equal(("Exact", "/"), (rule.Matches[2].Path!.Type, rule.Matches[2].Path!.Value));
        Assert.Equal(302, rule.Filters![0].RequestRedirect!.StatusCode);
        Assert.Equal(("", "Service"), (rule.Filters[1].RequestMirror!.BackendRef.Group, rule.Filters[1].RequestMirror!.BackendRef.Kind));
        Assert.Equal(100, rule.Filters[1].RequestMirror!.Fraction!.Denominator);
        var backend = rule.BackendRefs![0];
        Assert.Equal(("", "Service", 1), (backend.Group, backend.Kind, backend.Weight));
    }

    [Fact]
    public void ApplyDefaults_RuleWithoutMatches_GetsPrefixSlash()
    {
        var route = Defaulted<HTTPRoute>(Rule("""{"backendRefs":[{"name":"web","port":80,"weight":0}]}"""));
        Assert.Equal("/", route.Spec.Rules![0].Matches![0].Path!.Value);
        Assert.Equal(0, route.Spec.Rules[0].BackendRefs![0].Weight);
    }

    [Fact]
    public void Validate_RealisticRoute_NoErrors()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge","namespace":"infra","sectionName":"https"},{"name":"edge","namespace":"infra","sectionName":"http"}],
             "hostnames":["shop.example.com","*.shop.example.com"],
             "rules":[
               {"name":"api","matches":[{"path":{"type":"PathPrefix","value":"/api"},"method":"GET","headers":[{"name":"X-Env","value":"canary"}]}],
                "filters":[{"type":"URLRewrite","urlRewrite":{"path":{"type":"ReplacePrefixMatch","replacePrefixMatch":"/"}}},
                           {"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-a","value":"1"}],"add":[{"name":"x-b","value":"2"}],"remove":["x-c"]}}],
                "backendRefs":[{"name":"api-v1","port":8080,"weight":90},{"name":"api-v2","port":8080,"weight":10,
                  "filters":[{"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"x-version","value":"v2"}]}}]}],
                "timeouts":{"request":"10s","backendRequest":"2s"}},
               {"matches":[{"path":{"type":"Exact","value":"/old"}}],"filters":[{"type":"RequestRedirect","requestRedirect":{"path":{"type":"ReplaceFullPath","replaceFullPath":"/new"},"statusCode":301}}]},
               {"matches":[{"path":{"type":"RegularExpression","value":"^/u/[0-9]+$"}}],"backendRefs":[{"name":"users","port":80}]}]}
            """);
        Assert.Empty(Errors<HTTPRoute>(json));
    }

    [Fact]
    public void Validate_PathProblems_EachRuleReported()
    {
        var json = Rule("""
            {"matches":[{"path":{"type":"PathPrefix","value":"api"}},{"path":{"type":"Exact","value":"/a//b/./c"}},{"path":{"value":"/x/.."}},
                        {"path":{"value":"/a%2Fb#frag"}},{"path":{"value":"/with space"}},{"path":{"type":"Glob","value":"/*"}},
                        {"path":{"type":"RegularExpression","value":"no-slash(.*)"}}]}
            """);
        Assert.Equal(
        [
            "spec.rules[0].matches[0].path.value: Invalid value: \"api\": must be an absolute path starting with '/' for PathPrefix matches",
            "spec.rules[0].matches[1].path.value: Invalid value: \"/a//b/./c\": must not contain '//' for Exact matches",
            "spec.rules[0].matches[1].path.value: Invalid value: \"/a//b/./c\": must not contain '/./' for Exact matches",
            "spec.rules[0].matches[2].path.value: Invalid value: \"/x/..\": must not end with '/..' for PathPrefix matches",
            "spec.rules[0].matches[3].path.value: Invalid value: \"/a%2Fb#frag\": must not contain '%2F' for PathPrefix matches",
            "spec.rules[0].matches[3].path.value: Invalid value: \"/a%2Fb#frag\": must not contain '#' for PathPrefix matches",
            "spec.rules[0].matches[3].path.value: Invalid value: \"/a%2Fb#frag\": may only contain URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes) for PathPrefix matches",
            "spec.rules[0].matches[4].path.value: Invalid value: \"/with space\": may only contain URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes) for PathPrefix matches",
            "spec.rules[0].matches[5].path.type: Unsupported value: \"Glob\": supported values: \"Exact\", \"PathPrefix\", \"RegularExpression\"",
        ], Errors<HTTPRoute>(json));
    }

    [Fact]
    public void Validate_MatchAndBackendProblems_AllReportedAtOnce()
    {
        var json = Manifest("""
            {"parentRefs":[{"name":"edge"},{"name":"edge"},{"name":"other","port":70000,"sectionName":"Bad"}],
             "hostnames":["Shop.example.com","*.ok.example.com","a.*.example.com"],
             "rules":[{"name":"dup","matches":[{"headers":[{"name":"x-a","value":"1"},{"name":"x-a","value":"2"},{"name":"bad header","value":""}],
                                  "queryParams":[{"name":"q","value":"1","type":"Fuzzy"}],"method":"FETCH"}],
                       "backendRefs":[{"name":"web"},{"name":"web","port":80,"weight":1000001},{"group":"example.com","kind":"Bucket","name":"b"}]},
                      {"name":"dup","backendRefs":[{"name":"","port":0}]}]}
            """);
        Assert.Equal(
        [
            "spec.parentRefs[2].sectionName: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
            "spec.parentRefs[2].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.parentRefs[0]: Required value: sectionName or port must be set when several parentRefs name Gateway edge",
            "spec.parentRefs[1]: Required value: sectionName or port must be set when several parentRefs name Gateway edge",
            "spec.hostnames[0]: Invalid value: \"Shop.example.com\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.hostnames[2]: Invalid value: \"a.*.example.com\": must be a lowercase RFC 1123 hostname, optionally starting with the wildcard label \"*.\" (e.g. \"example.com\" or \"*.example.com\")",
            "spec.rules[0].matches[0].headers[1].name: Duplicate value: \"x-a\"",
            "spec.rules[0].matches[0].headers[2].name: Invalid value: \"bad header\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")",
            "spec.rules[0].matches[0].headers[2].value: Required value",
            "spec.rules[0].matches[0].queryParams[0].type: Unsupported value: \"Fuzzy\": supported values: \"Exact\", \"RegularExpression\"",
            "spec.rules[0].matches[0].method: Unsupported value: \"FETCH\": supported values: \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", \"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\"",
            "spec.rules[0].backendRefs[0].port: Required value: a Service backend must name its port",
            "spec.rules[0].backendRefs[1].weight: Invalid value: 1000001: must be between 0 and 1000000, inclusive",
            "spec.rules[1].name: Duplicate value: \"dup\"",
            "spec.rules[1].backendRefs[0].name: Required value",
            "spec.rules[1].backendRefs[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        ], Errors<HTTPRoute>(json));
    }

    [Fact]
    public void Validate_FilterProblems_AllReportedAtOnce()
    {
        var json = Rule("""
            {"matches":[{"path":{"type":"Exact","value":"/a"}},{"path":{"value":"/b"}}],
             "filters":[{"type":"RequestHeaderModifier","responseHeaderModifier":{"set":[{"name":"x","value":"1"}]}},
                        {"type":"RequestRedirect","requestRedirect":{"scheme":"ftp","statusCode":305,"port":0,"hostname":"*.example.com","path":{"type":"ReplacePrefixMatch","replaceFullPath":"/x"}}},
                        {"type":"URLRewrite","urlRewrite":{"path":{"type":"ReplacePrefixMatch","replacePrefixMatch":"/"}}},
                        {"type":"RequestMirror","requestMirror":{"backendRef":{"name":"shadow"},"percent":150,"fraction":{"numerator":3,"denominator":2}}},
                        {"type":"ExtensionRef","extensionRef":{"kind":"Auth","name":"a"}},
                        {"type":"ResponseHeaderModifier","responseHeaderModifier":{"set":[{"name":"X-A","value":"1"}],"remove":["x-a"]}},
                        {"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"x-b","value":"2"}]}},
                        {"type":"Compress"}],
             "backendRefs":[{"name":"web","port":80}]}
            """);
        Assert.Equal(
        [
            "spec.rules[0].filters[0].requestHeaderModifier: Required value: must be set for a filter of type RequestHeaderModifier",
            "spec.rules[0].filters[0].responseHeaderModifier: Forbidden: must not be set for a filter of type RequestHeaderModifier",
            "spec.rules[0].filters[1].requestRedirect.scheme: Unsupported value: \"ftp\": supported values: \"http\", \"https\"",
            "spec.rules[0].filters[1].requestRedirect.hostname: Invalid value: \"*.example.com\": must be a lowercase RFC 1123 hostname without wildcard (e.g. \"example.com\")",
            "spec.rules[0].filters[1].requestRedirect.path.replaceFullPath: Forbidden: may only be set when type is ReplaceFullPath",
            "spec.rules[0].filters[1].requestRedirect.path.replacePrefixMatch: Required value: must be set when type is ReplacePrefixMatch",
            "spec.rules[0].filters[1].requestRedirect.port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.rules[0].filters[1].requestRedirect.statusCode: Unsupported value: 305: supported values: \"301\", \"302\", \"303\", \"307\", \"308\"",
            "spec.rules[0].filters[3].requestMirror.backendRef.port: Required value: a Service backend must name its port",
            "spec.rules[0].filters[3].requestMirror.percent: Invalid value: 150: must be between 0 and 100, inclusive",
            "spec.rules[0].filters[3].requestMirror.fraction.numerator: Invalid value: 3: must not be greater than the denominator (2)",
            "spec.rules[0].filters[3].requestMirror: Forbidden: set percent or fraction, not both",
            "spec.rules[0].filters[4].extensionRef.group: Required value: use \"\" for the core group",
            "spec.rules[0].filters[5].responseHeaderModifier.remove[0]: Duplicate value: \"x-a\"",
            "spec.rules[0].filters[6].type: Duplicate value: \"ResponseHeaderModifier\"",
            "spec.rules[0].filters[7].type: Unsupported value: \"Compress\": supported values: \"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", \"RequestRedirect\", \"URLRewrite\", \"ExtensionRef\", \"CORS\", \"ExternalAuth\"",
            "spec.rules[0].filters: Invalid value: \"RequestRedirect+URLRewrite\": a RequestRedirect and a URLRewrite filter can not be used together",
            "spec.rules[0].filters: Forbidden: a RequestRedirect filter answers the request itself and can not be combined with backendRefs",
            "spec.rules[0].filters: Invalid value: \"ReplacePrefixMatch\": replacing the prefix match needs the rule to have exactly one match, of type PathPrefix",
        ], Errors<HTTPRoute>(json));
    }

    [Fact]
    public void Validate_TimeoutsRetryAndSessionPersistence_Checked()
    {
        var json = Manifest("""
            {"rules":[{"backendRefs":[{"name":"a","port":80}],"timeouts":{"request":"1s","backendRequest":"1500ms"},"retry":{"codes":[503,200,503],"attempts":-1,"backoff":"1.5s"},
                       "sessionPersistence":{"type":"Magic","absoluteTimeout":"1d","cookieConfig":{"lifetimeType":"Permanent"}}},
                      {"backendRefs":[{"name":"a","port":80}],"timeouts":{"request":"0s","backendRequest":"1h"}},
                      {"backendRefs":[{"name":"a","port":80}],"timeouts":{"request":"10","backendRequest":"1h2m3s4ms5s"}},
                      {"backendRefs":[{"name":"a","port":80}],"sessionPersistence":{"cookieConfig":{"lifetimeType":"Permanent"}}}]}
            """);
        Assert.Equal(
        [
            "spec.rules[0].timeouts.backendRequest: Invalid value: \"1500ms\": must not be longer than the request timeout (1s)",
            "spec.rules[0].retry.codes[1]: Invalid value: 200: must be an HTTP status code between 400 and 599, inclusive",
            "spec.rules[0].retry.codes[2]: Duplicate value: 503",
            "spec.rules[0].retry.attempts: Invalid value: -1: must be greater than or equal to 0",
            "spec.rules[0].retry.backoff: Invalid value: \"1.5s\": must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")",
            "spec.rules[0].sessionPersistence.absoluteTimeout: Invalid value: \"1d\": must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")",
            "spec.rules[0].sessionPersistence.type: Unsupported value: \"Magic\": supported values: \"Cookie\", \"Header\"",
            "spec.rules[2].timeouts.request: Invalid value: \"10\": must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")",
            "spec.rules[2].timeouts.backendRequest: Invalid value: \"1h2m3s4ms5s\": must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")",
            "spec.rules[3].sessionPersistence.absoluteTimeout: Required value: a Permanent cookie needs an absolute timeout",
        ], Errors<HTTPRoute>(json));
    }

    [Fact]
    public void Validate_ReplacePrefixMatchInBackendFilter_NeedsSinglePrefixMatch()
    {
        var json = Rule("""
            {"matches":[{"path":{"type":"Exact","value":"/a"}}],
             "backendRefs":[{"name":"web","port":80,"filters":[{"type":"URLRewrite","urlRewrite":{"path":{"type":"ReplacePrefixMatch","replacePrefixMatch":"/b"}}}]}]}
            """);
        Assert.Equal(
        [
            "spec.rules[0].backendRefs[0].filters: Invalid value: \"ReplacePrefixMatch\": replacing the prefix match needs the rule to have exactly one match, of type PathPrefix",
        ], Errors<HTTPRoute>(json));
    }

    [Fact]
    public void Validate_Limits_TooManyHostnamesRulesAndMatches()
    {
        var hostnames = string.Join(",", Enumerable.Range(0, 17).Select(i => $"\"h{i}.example.com\""));
        var matches = string.Join(",", Enumerable.Range(0, 65).Select(i => "{\"path\":{\"value\":\"/p" + i + "\"}}"));
        var rules = string.Join(",", Enumerable.Range(0, 17).Select(i => i == 0 ? $$"""{"matches":[{{matches}}]}""" : "{}"));
        var parents = string.Join(",", Enumerable.Range(0, 33).Select(i => $$"""{"name":"g{{i}}"}"""));
        var errors = Errors<HTTPRoute>(Manifest($$"""{"parentRefs":[{{parents}}],"hostnames":[{{hostnames}}],"rules":[{{rules}}]}"""));
        Assert.Equal(
        [
            "spec.parentRefs: Too many: 33: must have at most 32 items",
            "spec.hostnames: Too many: 17: must have at most 16 items",
            "spec.rules: Too many: 17: must have at most 16 items",
            "spec.rules[0].matches: Too many: 65: must have at most 64 items",
        ], errors);
    }

    [Fact]
    public void Validate_MoreThan128MatchesInTotal_Invalid()
    {
        var rule = "{\"matches\":[" + string.Join(",", Enumerable.Range(0, 9).Select(i => "{\"path\":{\"value\":\"/p" + i + "\"}}")) + "]}";
        var errors = Errors<HTTPRoute>(Manifest("{\"rules\":[" + string.Join(",", Enumerable.Repeat(rule, 15)) + "]}"));
        Assert.Equal(["spec.rules: Invalid value: 135: a route may have at most 128 matches across all its rules"], errors);
    }
}
