using Switchyard.Model.Gateway;
using Switchyard.Model.Validation.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>The CORS filter's rules (v1 CRD): origin forms and ports, sets, "*" alone, methods, header names, limits, maxAge.</summary>
public class HTTPCORSFilterRulesTests
{
    private const string Path = "spec.rules[0].filters[0].cors";

    private static string Route(string cors) =>
        """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"shop","namespace":"web"},"spec":{"parentRefs":[{"name":"edge"}],"rules":[{"filters":[{"type":"CORS","cors":"""
        + cors + """}],"backendRefs":[{"name":"web","port":80}]}]}}""";

    [Theory]
    [InlineData("""{"allowOrigins":["https://xpto.com","http://*.abcd.com","http://*.abcd.com:12345"]}""")]
    [InlineData("""{"allowOrigins":["*"]}""")]
    [InlineData("""{"allowOrigins":["https://*.com","https://*","http://localhost:3000","https://Shop.Example.com:65535"]}""")]
    [InlineData("""{"allowMethods":["GET","OPTIONS","POST"]}""")]
    [InlineData("""{"allowMethods":["*"],"allowHeaders":["*"]}""")]
    [InlineData("""{"exposeHeaders":["*","x-request-id"]}""")]
    [InlineData("""{"allowCredentials":true,"allowOrigins":["*"],"allowMethods":["*"],"allowHeaders":["*"],"exposeHeaders":["*"],"maxAge":86400}""")]
    [InlineData("""{"allowCredentials":false}""")]
    public void Validate_ValidFilter_NoErrors(string cors) => Assert.Empty(Errors<HTTPRoute>(Route(cors)));

    [Theory]
    [InlineData("""{"allowOrigins":["https://xpto.com","xpto.com"]}""", "allowOrigins[1]: Invalid value: \"xpto.com\": " + NotAnOrigin)]
    [InlineData("""{"allowOrigins":["https://xpto.com:notaport"]}""", "allowOrigins[0]: Invalid value: \"https://xpto.com:notaport\": " + NotAnOrigin)]
    [InlineData("""{"allowOrigins":["xpto/https://xpto.com"]}""", "allowOrigins[0]: Invalid value: \"xpto/https://xpto.com\": " + NotAnOrigin)]
    [InlineData("""{"allowOrigins":["ftp://files.example"]}""", "allowOrigins[0]: Invalid value: \"ftp://files.example\": " + NotAnOrigin)]
    [InlineData("""{"allowOrigins":["https://shop.*.example"]}""", "allowOrigins[0]: Invalid value: \"https://shop.*.example\": " + NotAnOrigin)]
    [InlineData("""{"allowOrigins":["https://shop.example/"]}""", "allowOrigins[0]: Invalid value: \"https://shop.example/\": " + NotAnOrigin)]
    [InlineData("""{"allowOrigins":["HTTPS://shop.example"]}""", "allowOrigins[0]: Invalid value: \"HTTPS://shop.example\": " + NotAnOrigin)]
    [InlineData("""{"allowOrigins":["https://shop.example:0"]}""", "allowOrigins[0]: Invalid value: \"https://shop.example:0\": the port must be between 1 and 65535, inclusive")]
    [InlineData("""{"allowOrigins":["https://shop.example:65536"]}""", "allowOrigins[0]: Invalid value: \"https://shop.example:65536\": the port must be between 1 and 65535, inclusive")]
    [InlineData("""{"allowOrigins":[""]}""", "allowOrigins[0]: Required value")]
    [InlineData("""{"allowOrigins":["*","https://xpto.com"]}""", "allowOrigins: Invalid value: \"*\": the wildcard '*' must be the only entry when present")]
    [InlineData("""{"allowOrigins":["https://a.example","https://a.example"]}""", "allowOrigins[1]: Duplicate value: \"https://a.example\"")]
    [InlineData("""{"allowMethods":["BAZINGA"]}""", "allowMethods[0]: Unsupported value: \"BAZINGA\": " + Methods)]
    [InlineData("""{"allowMethods":["get"]}""", "allowMethods[0]: Unsupported value: \"get\": " + Methods)]
    [InlineData("""{"allowMethods":["GET","*","POST"]}""", "allowMethods: Invalid value: \"*\": the wildcard '*' must be the only entry when present")]
    [InlineData("""{"allowMethods":["GET","GET"]}""", "allowMethods[1]: Duplicate value: \"GET\"")]
    [InlineData("""{"allowHeaders":["x a"]}""", "allowHeaders[0]: Invalid value: \"x a\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")")]
    [InlineData("""{"allowHeaders":["*","x-a"]}""", "allowHeaders: Invalid value: \"*\": the wildcard '*' must be the only entry when present")]
    [InlineData("""{"exposeHeaders":["x-a","x-a"]}""", "exposeHeaders[1]: Duplicate value: \"x-a\"")]
    [InlineData("""{"exposeHeaders":[""]}""", "exposeHeaders[0]: Required value")]
    [InlineData("""{"maxAge":0}""", "maxAge: Invalid value: 0: must be greater than or equal to 1")]
    public void Validate_InvalidField_ExactMessage(string cors, string error) => Assert.Equal([$"{Path}.{error}"], Errors<HTTPRoute>(Route(cors)));

    [Fact]
    public void Validate_Limits_TooManyAndTooLong()
    {
        var origins = string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"https://o{i}.example\""));
        var methods = string.Join(",", new[] { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "GET" }.Select(m => $"\"{m}\""));
        var headers = string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"x-h{i}\""));
        var longOrigin = "https://" + new string('a', 250) + ".example";
        var errors = Errors<HTTPRoute>(Route($$"""{"allowOrigins":[{{origins}},"{{longOrigin}}"],"allowMethods":[{{methods}}],"allowHeaders":[{{headers}}],"exposeHeaders":[{{headers}}]}"""));
        Assert.Equal(
        [
            $"{Path}.allowOrigins: Too many: 66: must have at most 64 items",
            $"{Path}.allowOrigins[65]: Too long: may not be more than 253 characters",
            $"{Path}.allowMethods: Too many: 10: must have at most 9 items",
            $"{Path}.allowMethods[9]: Duplicate value: \"GET\"",
            $"{Path}.allowHeaders: Too many: 65: must have at most 64 items",
            $"{Path}.exposeHeaders: Too many: 65: must have at most 64 items",
        ], errors);
    }

    [Fact]
    public void Validate_SeveralProblems_AllListedAtOnce()
    {
        var errors = Errors<HTTPRoute>(Route("""
            {"allowOrigins":["*","shop.example"],"allowMethods":["FETCH","*"],"allowHeaders":["x-a","x a","x-a"],"exposeHeaders":["*","*"],"maxAge":-5}
            """));
        Assert.Equal(
        [
            $"{Path}.allowOrigins[1]: Invalid value: \"shop.example\": {NotAnOrigin}",
            $"{Path}.allowOrigins: Invalid value: \"*\": the wildcard '*' must be the only entry when present",
            $"{Path}.allowMethods[0]: Unsupported value: \"FETCH\": {Methods}",
            $"{Path}.allowMethods: Invalid value: \"*\": the wildcard '*' must be the only entry when present",
            $"{Path}.allowHeaders[1]: Invalid value: \"x a\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")",
            $"{Path}.allowHeaders[2]: Duplicate value: \"x-a\"",
            $"{Path}.exposeHeaders[1]: Duplicate value: \"*\"",
            $"{Path}.maxAge: Invalid value: -5: must be greater than or equal to 1",
        ], errors);
    }

    [Fact]
    public void Validate_CorsTwiceOrOnAGrpcRoute_Refused()
    {
        var twice = Errors<HTTPRoute>(Route("""{"allowOrigins":["*"]}}, {"type":"CORS","cors":{"allowOrigins":["*"]}"""));
        Assert.Equal(["spec.rules[0].filters[1].type: Duplicate value: \"CORS\""], twice);
        var grpc = Errors<GRPCRoute>("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"GRPCRoute","metadata":{"name":"api","namespace":"web"},
             "spec":{"rules":[{"filters":[{"type":"CORS","cors":{"allowOrigins":["*"]}}],"backendRefs":[{"name":"api","port":50051}]}]}}
            """);
        Assert.Equal(["spec.rules[0].filters[0].type: Unsupported value: \"CORS\": supported values: \"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", \"ExtensionRef\""], grpc);
    }

    [Fact]
    public void ApplyDefaults_MaxAge_Five()
    {
        var route = Defaulted<HTTPRoute>(Route("""{"allowOrigins":["*"]}"""));
        Assert.Equal(5, route.Spec.Rules![0].Filters![0].Cors!.MaxAge);
    }

    [Theory]
    [InlineData("https://shop.example", "https", "shop.example", 443)]
    [InlineData("http://shop.example", "http", "shop.example", 80)]
    [InlineData("http://Shop.Example:8080", "http", "shop.example", 8080)]
    [InlineData("https://*.example.com", "https", "*.example.com", 443)]
    [InlineData("https://*:8443", "https", "*", 8443)]
    public void Parse_Origin_SchemeHostAndPortWithTheSchemesDefault(string value, string scheme, string host, int port) =>
        Assert.Equal(new CorsOriginPattern(scheme, host, port), CorsOriginPattern.Parse(value));

    [Theory]
    [InlineData("*")]
    [InlineData("https://shop.example:0")]
    [InlineData("https://shop.example:99999")]
    [InlineData("https://shop.example/")]
    [InlineData("wss://shop.example")]
    public void Parse_NotAPattern_Null(string value) => Assert.Null(CorsOriginPattern.Parse(value));

    [Fact]
    public void Validate_PublicEntryPoint_SameErrorsWithTheGivenPath()
    {
        var errors = HTTPCORSFilterRules.Validate(new HTTPCORSFilter { AllowOrigins = ["nope"], MaxAge = 0 }, "cors");
        Assert.Equal(["cors.allowOrigins[0]: Invalid value: \"nope\": " + NotAnOrigin, "cors.maxAge: Invalid value: 0: must be greater than or equal to 1"], errors.Select(e => e.ToString()));
    }

    private const string NotAnOrigin = "must be \"*\" or an origin scheme://host[:port]: scheme http or https, a host of letters, digits, '-' and '.' "
        + "that may start with the wildcard label \"*.\" or be \"*\" alone, an optional port (e.g. \"https://shop.example.com\", \"https://*.example.com:8443\")";

    private const string Methods = "supported values: \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", \"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\", \"*\"";
}
