using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>The jwt and basicAuth rules of HTTPTrafficFilter: defaults, then every problem reported at once with its exact message.</summary>
public class HTTPTrafficFilterAuthRulesTests
{
    private const string Jwks = """{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}""";

    private static string Manifest(string spec, string ns = "default") =>
        $$"""{"apiVersion":"gateway.switchyard.dev/v1alpha1","kind":"HTTPTrafficFilter","metadata":{"name":"auth","namespace":"{{ns}}"},"spec":{{spec}}}""";

    [Fact]
    public void Validate_FullJwtAndBasic_NoErrors()
    {
        var json = Manifest($$$"""
            {"jwt":{"optional":true,"realm":"shop","providers":[
              {"name":"corp","issuer":"https://idp.example","audiences":["shop","admin"],
               "localJWKS":{"type":"ValueRef","valueRef":{"group":"","kind":"ConfigMap","name":"jwks"}},
               "extractFrom":{"headers":[{"name":"x-jwt","valuePrefix":"Bearer "}],"cookies":["session"],"params":["access_token"]},
               "claimToHeaders":[{"header":"x-user","claim":"sub"},{"header":"x-org","claim":"org.id"}],
               "forwardToken":true,"clockSkew":"30s"},
              {"name":"partner","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"},"extractFrom":{"headers":[{"name":"x-partner-token"}]}}]},
             "basicAuth":{"users":{"name":"users","namespace":"default"},"forwardUsernameHeader":"x-basic-user","forwardCredentials":false,"realm":"shop"}}
            """);
        Assert.Empty(Errors<HTTPTrafficFilter>(json));
    }

    [Fact]
    public void Default_Omitted_OptionalForwardTokenSkewCredentialsFilled()
    {
        var filter = Defaulted<HTTPTrafficFilter>(Manifest($$$"""
            {"jwt":{"providers":[{"name":"corp","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"}}]},"basicAuth":{"users":{"name":"users"} } }
            """));
        Assert.False(filter.Spec.Jwt!.Optional);
        Assert.False(filter.Spec.Jwt.Providers![0].ForwardToken);
        Assert.Equal("60s", filter.Spec.Jwt.Providers[0].ClockSkew);
        Assert.Null(filter.Spec.Jwt.Providers[0].ExtractFrom); // the Authorization header, decided by the proxy
        Assert.False(filter.Spec.BasicAuth!.ForwardCredentials);
    }

    [Fact]
    public void Validate_JwtProblems_AllReportedWithFieldPaths()
    {
        var json = Manifest("""
            {"jwt":{"realm":"a\"b","providers":[
              {"name":"corp","issuer":"","audiences":[""],"localJWKS":{"type":"Inline","inline":"{\"keys\":[]}","valueRef":{"kind":"ConfigMap","name":"x"}},
               "extractFrom":{"headers":[{"name":"bad header","valuePrefix":"Bearer\u00e9"},{"name":"Cookie"}],"cookies":["a;b"],"params":[""]},
               "claimToHeaders":[{"header":"Host","claim":"sub"},{"header":"x-u","claim":"a..b"},{"header":"X-U","claim":"sub"},{"header":"bad header","claim":""}],
               "clockSkew":"2h"},
              {"name":"corp","localJWKS":{"type":"ValueRef","inline":"{}","valueRef":{"group":"v1","kind":"Secret","name":""}}},
              {"name":"","localJWKS":{"type":"Remote"}},
              {"localJWKS":null,"extractFrom":{}},
              {"name":"five","localJWKS":{"type":"Inline","inline":"not json"}}]}}
            """);
        Assert.Equal(
        [
            "spec.jwt.realm: Invalid value: \"a\\\"b\": must be printable ASCII without '\"' or '\\'",
            "spec.jwt.providers: Too many: 5: must have at most 4 items",
            "spec.jwt.providers[0].issuer: Invalid value: \"\": must not be empty; omit the field to accept any issuer",
            "spec.jwt.providers[0].audiences[0]: Required value",
            "spec.jwt.providers[0].localJWKS.valueRef: Forbidden: set only with type ValueRef",
            "spec.jwt.providers[0].localJWKS.inline: Invalid value: must be a JSON Web Key Set with at least one key",
            "spec.jwt.providers[0].extractFrom.headers[0].name: Invalid value: \"bad header\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")",
            "spec.jwt.providers[0].extractFrom.headers[0].valuePrefix: Invalid value: \"Bearer\u00e9\": must be printable ASCII",
            "spec.jwt.providers[0].extractFrom.headers[1].name: Invalid value: \"Cookie\": the proxy manages this header; a token cannot be read from it",
            "spec.jwt.providers[0].extractFrom.cookies[0]: Invalid value: \"a;b\": must be a cookie name: letters, digits and !#$%&'*+-.^_`|~ only",
            "spec.jwt.providers[0].extractFrom.params[0]: Required value",
            "spec.jwt.providers[0].claimToHeaders[0].header: Invalid value: \"Host\": the proxy manages this header or it carries credentials; pick another name",
            "spec.jwt.providers[0].claimToHeaders[1].claim: Invalid value: \"a..b\": must be a claim name, or names joined by '.' for a nested claim (e.g. \"org.id\")",
            "spec.jwt.providers[0].claimToHeaders[2].header: Duplicate value: \"X-U\"",
            "spec.jwt.providers[0].claimToHeaders[3].header: Invalid value: \"bad header\": must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~ only (e.g. \"X-Request-Id\")",
            "spec.jwt.providers[0].claimToHeaders[3].claim: Required value",
            "spec.jwt.providers[0].clockSkew: Invalid value: \"2h\": must be at most 1h",
            "spec.jwt.providers[1].name: Duplicate value: \"corp\"",
            "spec.jwt.providers[1].localJWKS.inline: Forbidden: set only with type Inline",
            "spec.jwt.providers[1].localJWKS.valueRef.group: Unsupported value: \"v1\": supported values: \"\"",
            "spec.jwt.providers[1].localJWKS.valueRef.kind: Unsupported value: \"Secret\": supported values: \"ConfigMap\"",
            "spec.jwt.providers[1].localJWKS.valueRef.name: Required value",
            "spec.jwt.providers[2].name: Required value",
            "spec.jwt.providers[2].localJWKS.type: Unsupported value: \"Remote\": supported values: \"Inline\", \"ValueRef\"",
            "spec.jwt.providers[3].name: Required value",
            "spec.jwt.providers[3].localJWKS: Required value: give the key set inline or in a ConfigMap (valueRef), or fetch it from the issuer (remoteJWKS)",
            "spec.jwt.providers[3].extractFrom: Required value: set headers, cookies or params, or omit extractFrom to read the Authorization header (\"Bearer \")",
            "spec.jwt.providers[4].localJWKS.inline: Invalid value: must be a JSON Web Key Set: not JSON (line 1, byte 2)",
        ], Errors<HTTPTrafficFilter>(json));
    }

    [Fact]
    public void Validate_RemoteJwks_NoErrorsAndCacheDurationDefaulted()
    {
        var json = Manifest("""
            {"jwt":{"providers":[
              {"name":"idp","remoteJWKS":{"uri":"https://idp.example/.well-known/jwks.json"}},
              {"name":"private","remoteJWKS":{"uri":"https://keys.internal:8443/jwks?tenant=a","cacheDuration":"1h",
               "caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca"},{"group":"","kind":"Secret","name":"ca2"}]}}]}}
            """);
        Assert.Empty(Errors<HTTPTrafficFilter>(json));
        var filter = Defaulted<HTTPTrafficFilter>(json);
        Assert.Equal("300s", filter.Spec.Jwt!.Providers![0].RemoteJWKS!.CacheDuration);
        Assert.Equal("1h", filter.Spec.Jwt.Providers[1].RemoteJWKS!.CacheDuration);
    }

    [Fact]
    public void Validate_RemoteJwksProblems_AllReportedWithFieldPaths()
    {
        var json = Manifest("""
            {"jwt":{"providers":[
              {"name":"a","remoteJWKS":{"uri":"http://idp.example/jwks","cacheDuration":"5s"},"localJWKS":{"type":"Inline","inline":"{\"keys\":[{\"kty\":\"EC\"}]}"}},
              {"name":"b","remoteJWKS":{"uri":"","cacheDuration":"25h","caCertificateRefs":[]}},
              {"name":"c","remoteJWKS":{"uri":"https://user:pw@idp.example/jwks#x","cacheDuration":"soon",
               "caCertificateRefs":[{"group":"v1","kind":"Service","name":""},null]}},
              {"name":"d","remoteJWKS":{"uri":"/jwks.json"}}]}}
            """);
        Assert.Equal(
        [
            "spec.jwt.providers[0].remoteJWKS: Forbidden: set only one of localJWKS and remoteJWKS",
            "spec.jwt.providers[0].remoteJWKS.uri: Invalid value: \"http://idp.example/jwks\": must use https: a key set fetched in cleartext could be replaced on the way, and with it who may sign tokens",
            "spec.jwt.providers[0].remoteJWKS.cacheDuration: Invalid value: \"5s\": must be from 10s to 24h",
            "spec.jwt.providers[1].remoteJWKS.uri: Required value: the https URI of the issuer's JSON Web Key Set",
            "spec.jwt.providers[1].remoteJWKS.cacheDuration: Invalid value: \"25h\": must be from 10s to 24h",
            "spec.jwt.providers[1].remoteJWKS.caCertificateRefs: Required value: name at least one ConfigMap or Secret, or omit the field to trust the system's CAs",
            "spec.jwt.providers[2].remoteJWKS.uri: Invalid value: \"https://user:pw@idp.example/jwks#x\": must not carry user information (user:password@)",
            "spec.jwt.providers[2].remoteJWKS.cacheDuration: Invalid value: \"soon\": must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")",
            "spec.jwt.providers[2].remoteJWKS.caCertificateRefs[0].group: Unsupported value: \"v1\": supported values: \"\"",
            "spec.jwt.providers[2].remoteJWKS.caCertificateRefs[0].kind: Unsupported value: \"Service\": supported values: \"ConfigMap\", \"Secret\"",
            "spec.jwt.providers[2].remoteJWKS.caCertificateRefs[0].name: Required value",
            "spec.jwt.providers[2].remoteJWKS.caCertificateRefs[1]: Required value",
            "spec.jwt.providers[3].remoteJWKS.uri: Invalid value: \"/jwks.json\": must be an absolute URI (https://issuer.example/.well-known/jwks.json)",
        ], Errors<HTTPTrafficFilter>(json));
        var longUri = "https://idp.example/" + new string('k', 240);
        Assert.Equal(["spec.jwt.providers[0].remoteJWKS.uri: Too long: may not be more than 253 characters"],
            Errors<HTTPTrafficFilter>(Manifest($$$"""{"jwt":{"providers":[{"name":"a","remoteJWKS":{"uri":"{{{longUri}}}"}}]}}""")));
    }

    [Fact]
    public void Validate_NoProvidersOrKeyObjects_Reported()
    {
        Assert.Equal(["spec.jwt.providers: Required value: name at least one provider"], Errors<HTTPTrafficFilter>(Manifest("""{"jwt":{"providers":[]}}""")));
        Assert.Equal(
            ["spec.jwt.providers[0].localJWKS.inline: Invalid value: keys[1] must be a JSON Web Key with a \"kty\""],
            Errors<HTTPTrafficFilter>(Manifest("""{"jwt":{"providers":[{"name":"a","localJWKS":{"type":"Inline","inline":"{\"keys\":[{\"kty\":\"EC\"},{\"kid\":\"x\"}]}"}}]}}""")));
        Assert.Equal(
            ["spec.jwt.providers[0].localJWKS.inline: Invalid value: must be a JSON Web Key Set: an object with a \"keys\" array"],
            Errors<HTTPTrafficFilter>(Manifest("""{"jwt":{"providers":[{"name":"a","localJWKS":{"type":"Inline","inline":"[1]"}}]}}""")));
    }

    [Fact]
    public void Validate_BasicProblems_AllReported()
    {
        var json = Manifest("""{"basicAuth":{"users":{"group":"core","kind":"ConfigMap","name":"","namespace":"other"},"forwardUsernameHeader":"Authorization","realm":""}}""", ns: "shop");
        Assert.Equal(
        [
            "spec.basicAuth.users.group: Unsupported value: \"core\": supported values: \"\"",
            "spec.basicAuth.users.kind: Unsupported value: \"ConfigMap\": supported values: \"Secret\"",
            "spec.basicAuth.users.name: Required value",
            "spec.basicAuth.users.namespace: Forbidden: the Secret must be in the filter's namespace (shop)",
            "spec.basicAuth.forwardUsernameHeader: Invalid value: \"Authorization\": the proxy manages this header or it carries credentials; pick another name",
            "spec.basicAuth.realm: Invalid value: \"\": must not be empty; omit the field to use the request's host",
        ], Errors<HTTPTrafficFilter>(json));
        Assert.Equal(["spec.basicAuth.users: Required value: the Secret whose key \".htpasswd\" lists the users"], Errors<HTTPTrafficFilter>(Manifest("""{"basicAuth":{}}""")));
    }

    [Fact]
    public void Validate_BasicWithJwtOnAuthorization_Conflicts()
    {
        var json = Manifest($$$"""
            {"basicAuth":{"users":{"name":"users"},"forwardUsernameHeader":"x-user"},
             "jwt":{"providers":[
               {"name":"default","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"}},
               {"name":"explicit","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"},"extractFrom":{"headers":[{"name":"authorization","valuePrefix":"Bearer "}]}},
               {"name":"fine","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"},"extractFrom":{"cookies":["jwt"]},"claimToHeaders":[{"header":"X-User","claim":"sub"},{"header":"Authorization","claim":"sub"}]}]}}
            """);
        Assert.Equal(
        [
            "spec.jwt.providers[2].claimToHeaders[1].header: Invalid value: \"Authorization\": the proxy manages this header or it carries credentials; pick another name",
            "spec.jwt.providers[0]: Invalid value: \"Authorization\": basicAuth uses the Authorization header; read this provider's token from another header, a cookie or a query parameter (extractFrom)",
            "spec.jwt.providers[1].extractFrom: Invalid value: \"Authorization\": basicAuth uses the Authorization header; read this provider's token from another header, a cookie or a query parameter (extractFrom)",
            "spec.basicAuth.forwardUsernameHeader: Invalid value: \"x-user\": a JWT claim is copied into this header too; pick another name",
        ], Errors<HTTPTrafficFilter>(json));
    }

    [Fact]
    public void Validate_ClaimHeaderIsATokenHeader_Refused()
    {
        var json = Manifest($$$"""
            {"jwt":{"providers":[
              {"name":"a","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"},"extractFrom":{"headers":[{"name":"x-token"}]}},
              {"name":"b","localJWKS":{"type":"Inline","inline":"{{{Jwks}}}"},"extractFrom":{"params":["t"]},"claimToHeaders":[{"header":"X-Token","claim":"sub"}]}]}}
            """);
        Assert.Equal(
            ["spec.jwt.providers[1].claimToHeaders[0].header: Invalid value: \"X-Token\": a token is read from this header; pick another name"],
            Errors<HTTPTrafficFilter>(json));
    }
}
