using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>The authorization rules of HTTPTrafficFilter: defaults, then every problem reported at once with its exact message.</summary>
public class HTTPTrafficFilterAuthorizationRulesTests
{
    private const string Jwks = """{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}""";

    private static string Manifest(string spec) =>
        $$"""{"apiVersion":"gateway.switchyard.dev/v1alpha1","kind":"HTTPTrafficFilter","metadata":{"name":"authz","namespace":"default"},"spec":{{spec}}}""";

    [Fact]
    public void Validate_FullAuthorization_NoErrorsAndDefaults()
    {
        var json = Manifest($$$"""
            {"jwt":{"providers":[{"name":"corp","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"}}]},
             "authorization":{"rules":[
               {"name":"office","action":"Allow","principal":{"clientCIDRs":["10.0.0.0/8","2001:db8::/32"]}},
               {"action":"Allow","operation":{"methods":["GET","HEAD"]},
                "principal":{"jwt":{"provider":"corp","claims":[{"name":"org.role","values":["admin"]},{"name":"groups","valueType":"StringArray","values":["ops","sre"]}],"scopes":["read"]},
                             "headers":[{"name":"x-tenant","values":["acme"]}]}}]}}
            """);
        Assert.Empty(Errors<HTTPTrafficFilter>(json));
        var authz = Defaulted<HTTPTrafficFilter>(json).Spec.Authorization!;
        Assert.Equal("Deny", authz.DefaultAction);
        Assert.Equal("rule-1", authz.Rules![1].Name);
        Assert.Equal("String", authz.Rules[1].Principal!.Jwt!.Claims![0].ValueType);
        Assert.Empty(Errors<HTTPTrafficFilter>(Manifest("""{"authorization":{"defaultAction":"Allow"}}""")));
    }

    [Fact]
    public void Validate_AuthorizationProblems_AllReportedWithFieldPaths()
    {
        var json = Manifest($$$$"""
            {"jwt":{"providers":[{"name":"corp","localJWKS":{"type":"Inline","inline":"{{{{Jwks}}}}"}}]},
             "authorization":{"defaultAction":"Maybe","rules":[
               {"name":"a","action":"Permit","principal":{}},
               {"name":"a","action":"Deny","operation":{"methods":["GET","FETCH"]},"principal":{"clientCIDRs":["10.0.0.1/8","nonsense"]}},
               {"action":"Allow","operation":{"methods":[]},"principal":{"jwt":{"provider":"other"},"headers":[{"name":"bad header","values":[]}]}},
               {"action":"Allow","principal":{"jwt":{"provider":"","claims":[{"name":"a..b","valueType":"Number","values":["1"]}],"scopes":["read write"]}}},
               null]}}
            """);
        Assert.Equal(
        [
            "spec.authorization.defaultAction: Unsupported value: \"Maybe\": supported values: \"Allow\", \"Deny\"",
            "spec.authorization.rules[0].action: Unsupported value: \"Permit\": supported values: \"Allow\", \"Deny\"",
            "spec.authorization.rules[0].principal: Required value: set at least one of clientCIDRs, jwt and headers",
            "spec.authorization.rules[1].name: Duplicate value: \"a\"",
            "spec.authorization.rules[1].operation.methods[1]: Unsupported value: \"FETCH\": supported values: \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", \"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\"",
            "spec.authorization.rules[1].principal.clientCIDRs[0]: Invalid value: \"10.0.0.1/8\": must be a network address with no host bits set (did you mean \"10.0.0.0/8\"?)",
            "spec.authorization.rules[1].principal.clientCIDRs[1]: Invalid value: \"nonsense\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            "spec.authorization.rules[2].operation.methods: Required value: name 1 to 16 methods, or omit operation to match every method",
            "spec.authorization.rules[2].principal.jwt.provider: Unsupported value: \"other\": supported values: \"corp\"",
            "spec.authorization.rules[2].principal.jwt: Required value: set claims, scopes or both",
            "spec.authorization.rules[2].principal.headers[0].name: Invalid value: \"bad header\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")",
            "spec.authorization.rules[2].principal.headers[0].values: Required value: at least one value",
            "spec.authorization.rules[3].principal.jwt.provider: Required value: the name of a provider of this filter's jwt",
            "spec.authorization.rules[3].principal.jwt.claims[0].name: Invalid value: \"a..b\": must be a claim name, or names joined by '.' for a nested claim (e.g. \"org.role\")",
            "spec.authorization.rules[3].principal.jwt.claims[0].valueType: Unsupported value: \"Number\": supported values: \"String\", \"StringArray\"",
            "spec.authorization.rules[3].principal.jwt.scopes[0]: Invalid value: \"read write\": must be one scope: printable ASCII without spaces (RFC 6749 3.3)",
            "spec.authorization.rules[4]: Required value",
        ], Errors<HTTPTrafficFilter>(json));
    }

    [Fact]
    public void Read_AuthenticationExample_ValidWithAuthorization()
    {
        var r = new Switchyard.Model.Manifests.ManifestReader().Read([Path.Combine(TestFiles.RepoRoot, "examples", "foundation", "66-authentication.yaml")]);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        Assert.Contains(r.Objects, o => o.Object is HTTPTrafficFilter { Spec.Authorization.Rules.Count: 2 });
    }

    [Fact]
    public void Validate_JwtPrincipalWithoutJwt_Reported()
    {
        Assert.Equal(
            ["spec.authorization.rules[0].principal.jwt.provider: Invalid value: \"corp\": this filter has no jwt: claims and scopes come from a token one of its providers accepted"],
            Errors<HTTPTrafficFilter>(Manifest("""{"authorization":{"rules":[{"action":"Allow","principal":{"jwt":{"provider":"corp","scopes":["read"]}}}]}}""")));
    }
}
