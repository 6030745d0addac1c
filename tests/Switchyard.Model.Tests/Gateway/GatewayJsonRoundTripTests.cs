using System.Text.Json.Nodes;
using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Tests.Gateway;

/// <summary>Realistic manifests decode into the typed model and serialize back to the same JSON: every field name is right.</summary>
public class GatewayJsonRoundTripTests
{
    private const string GatewayClassJson = """
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":{"name":"switchyard"},
         "spec":{"controllerName":"switchyard.dev/gateway","description":"local gateway","parametersRef":{"group":"","kind":"ConfigMap","name":"gw","namespace":"system"}},
         "status":{"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"ok","lastTransitionTime":"2025-01-02T03:04:05Z","observedGeneration":1}],
                   "supportedFeatures":[{"name":"HTTPRoute"},{"name":"HTTPRouteQueryParamMatching"}]}}
        """;

    private const string GatewayJson = """
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"edge","namespace":"infra"},
         "spec":{"gatewayClassName":"switchyard",
           "listeners":[
             {"name":"http","port":80,"protocol":"HTTP","allowedRoutes":{"namespaces":{"from":"All"}}},
             {"name":"https","hostname":"*.example.com","port":443,"protocol":"HTTPS",
              "tls":{"mode":"Terminate","certificateRefs":[{"group":"","kind":"Secret","name":"wildcard","namespace":"certs"}],"options":{"example.com/min-version":"1.3"}},
              "allowedRoutes":{"namespaces":{"from":"Selector","selector":{"matchLabels":{"shared":"true"}}},"kinds":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute"}]}}],
           "addresses":[{"type":"IPAddress","value":"127.0.0.10"}],
           "infrastructure":{"labels":{"team":"net"},"annotations":{"example.com/owner":"net"},"parametersRef":{"group":"example.com","kind":"Params","name":"p"}},
           "tls":{"backend":{"clientCertificateRef":{"name":"client"}},
                  "frontend":{"default":{"validation":{"caCertificateRefs":[{"group":"","kind":"ConfigMap","name":"ca","namespace":"certs"}],"mode":"AllowValidOnly"}},
                              "perPort":[{"port":8443,"tls":{"validation":{"caCertificateRefs":[{"group":"","kind":"Secret","name":"partners-ca"}],"mode":"AllowInsecureFallback"}}}]}}},
         "status":{"addresses":[{"type":"IPAddress","value":"127.0.0.10"}],
           "conditions":[{"type":"Programmed","status":"True","reason":"Programmed","message":"","lastTransitionTime":"2025-01-02T03:04:05Z"}],
           "listeners":[{"name":"http","supportedKinds":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute"}],"attachedRoutes":2,
                         "conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2025-01-02T03:04:05Z"}]}]}}
        """;

    private const string HTTPRouteJson = """
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"shop","namespace":"web"},
         "spec":{"parentRefs":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"infra","name":"edge","sectionName":"https","port":443}],
           "hostnames":["shop.example.com"],
           "rules":[{"name":"api",
             "matches":[{"path":{"type":"PathPrefix","value":"/api"},"headers":[{"type":"Exact","name":"x-env","value":"canary"}],
                         "queryParams":[{"type":"RegularExpression","name":"v","value":"^2"}],"method":"POST"}],
             "filters":[
               {"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-a","value":"1"}],"add":[{"name":"x-b","value":"2"}],"remove":["x-c"]}},
               {"type":"ResponseHeaderModifier","responseHeaderModifier":{"remove":["server"]}},
               {"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"shadow","namespace":"web","port":8080},"percent":10}},
               {"type":"RequestMirror","requestMirror":{"backendRef":{"name":"shadow2","port":8080},"fraction":{"numerator":1,"denominator":1000}}},
               {"type":"URLRewrite","urlRewrite":{"hostname":"api.internal","path":{"type":"ReplacePrefixMatch","replacePrefixMatch":"/"}}},
               {"type":"ExtensionRef","extensionRef":{"group":"example.com","kind":"RateLimit","name":"rl"}},
               {"type":"CORS","cors":{"allowOrigins":["https://shop.example.com"],"allowCredentials":true,"allowMethods":["GET","POST"],"allowHeaders":["x-a"],"exposeHeaders":["x-b"],"maxAge":60}},
               {"type":"ExternalAuth","externalAuth":{"protocol":"HTTP","backendRef":{"group":"","kind":"Service","name":"authz","namespace":"security","port":9000},
                "http":{"path":"/check","allowedHeaders":["x-tenant"],"allowedResponseHeaders":["x-user"]},"forwardBody":{"maxSize":1024}}},
               {"type":"ExternalAuth","externalAuth":{"protocol":"GRPC","backendRef":{"name":"ext-authz","port":9001},"grpc":{"allowedHeaders":["x-tenant"]}}}],
             "backendRefs":[{"group":"","kind":"Service","name":"api","namespace":"web","port":8080,"weight":90,
                             "filters":[{"type":"RequestHeaderModifier","requestHeaderModifier":{"add":[{"name":"x-backend","value":"api"}]}}]}],
             "timeouts":{"request":"10s","backendRequest":"2s"},
             "retry":{"codes":[502,503],"attempts":2,"backoff":"100ms"},
             "sessionPersistence":{"sessionName":"sid","absoluteTimeout":"1h","idleTimeout":"10m","type":"Cookie","cookieConfig":{"lifetimeType":"Permanent"}}},
            {"matches":[{"path":{"type":"Exact","value":"/old"}}],
             "filters":[{"type":"RequestRedirect","requestRedirect":{"scheme":"https","hostname":"new.example.com","path":{"type":"ReplaceFullPath","replaceFullPath":"/new"},"port":443,"statusCode":308}}]}]},
         "status":{"parents":[{"parentRef":{"name":"edge","namespace":"infra"},"controllerName":"switchyard.dev/gateway",
           "conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2025-01-02T03:04:05Z"}]}]}}
        """;

    private const string GRPCRouteJson = """
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"GRPCRoute","metadata":{"name":"greeter","namespace":"web"},
         "spec":{"parentRefs":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"infra","name":"edge","sectionName":"grpc"}],
           "hostnames":["grpc.example.com"],
           "rules":[{"name":"say",
             "matches":[{"method":{"type":"Exact","service":"helloworld.Greeter","method":"SayHello"},"headers":[{"type":"Exact","name":"x-env","value":"canary"}]},
                        {"method":{"type":"RegularExpression","service":"shop\\..*"}}],
             "filters":[
               {"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-a","value":"1"}]}},
               {"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"shadow","port":50051},"percent":10}}],
             "backendRefs":[{"group":"","kind":"Service","name":"greeter","namespace":"web","port":50051,"weight":90,
                             "filters":[{"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"x-backend","value":"greeter"}]}}]}]}]},
         "status":{"parents":[{"parentRef":{"name":"edge","namespace":"infra"},"controllerName":"switchyard.dev/gateway-controller",
           "conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2025-01-02T03:04:05Z"}]}]}}
        """;

    private const string ReferenceGrantJson = """
        {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"allow","namespace":"payments"},
         "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"web"}],"to":[{"group":"","kind":"Service","name":"pay"}]}}
        """;

    public static TheoryData<string, string> Manifests => new()
    {
        { "GatewayClass", GatewayClassJson },
        { "Gateway", GatewayJson },
        { "HTTPRoute", HTTPRouteJson },
        { "GRPCRoute", GRPCRouteJson },
        { "ReferenceGrant", ReferenceGrantJson },
    };

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Serialize_AfterDeserialize_SameJson(string kind, string json)
    {
        var resourceKind = ResourceKinds.FindByKind(kind)!;
        var obj = ResourceJson.Deserialize(resourceKind, json);
        Assert.IsType(resourceKind.Type, obj);
        var expected = JsonNode.Parse(json)!;
        var actual = JsonNode.Parse(ResourceJson.Serialize(obj))!;
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }

    [Fact]
    public void Deserialize_HTTPRoute_FieldsLandInTypedProperties()
    {
        var route = (HTTPRoute)ResourceJson.Deserialize(ResourceKinds.HTTPRoute, HTTPRouteJson);
        var rule = route.Spec.Rules![0];
        Assert.Equal("https", route.Spec.ParentRefs![0].SectionName);
        Assert.Equal("/api", rule.Matches![0].Path!.Value);
        Assert.Equal("x-c", rule.Filters![0].RequestHeaderModifier!.Remove![0]);
        Assert.Equal(1000, rule.Filters[3].RequestMirror!.Fraction!.Denominator);
        Assert.Equal("/", rule.Filters[4].UrlRewrite!.Path!.ReplacePrefixMatch);
        Assert.Equal(("/check", 1024), (rule.Filters[7].ExternalAuth!.Http!.Path, rule.Filters[7].ExternalAuth!.ForwardBody!.MaxSize));
        Assert.Equal("x-tenant", rule.Filters[8].ExternalAuth!.Grpc!.AllowedHeaders![0]);
        Assert.Equal(90, rule.BackendRefs![0].Weight);
        Assert.Equal("2s", rule.Timeouts!.BackendRequest);
        Assert.Equal([502, 503], rule.Retry!.Codes!);
        Assert.Equal(308, route.Spec.Rules[1].Filters![0].RequestRedirect!.StatusCode);
        Assert.Equal("switchyard.dev/gateway", route.Status!.Parents![0].ControllerName);
    }

    [Fact]
    public void Deserialize_GRPCRoute_FieldsLandInTypedProperties()
    {
        var route = (GRPCRoute)ResourceJson.Deserialize(ResourceKinds.GRPCRoute, GRPCRouteJson);
        var rule = route.Spec.Rules![0];
        Assert.Equal(("helloworld.Greeter", "SayHello"), (rule.Matches![0].Method!.Service, rule.Matches[0].Method!.Method));
        Assert.Equal("RegularExpression", rule.Matches[1].Method!.Type);
        Assert.Equal("x-env", rule.Matches[0].Headers![0].Name);
        Assert.Equal(10, rule.Filters![1].RequestMirror!.Percent);
        Assert.Equal(("greeter", 90), (rule.BackendRefs![0].Name, rule.BackendRefs[0].Weight));
        Assert.Equal("Accepted", route.Status!.Parents![0].Conditions![0].Reason);
        Assert.Same(ResourceKinds.GRPCRoute, ResourceKinds.Find("gateway.networking.k8s.io/v1alpha2", "GRPCRoute"));
        Assert.Same(ResourceKinds.GRPCRoute, ResourceKinds.Resolve("grpcroutes"));
    }

    [Fact]
    public void Validate_RoundTripManifests_AreValid()
    {
        foreach (var json in new[] { GatewayClassJson, GatewayJson, HTTPRouteJson, GRPCRouteJson, ReferenceGrantJson })
        {
            var node = JsonNode.Parse(json)!;
            var obj = ResourceJson.Deserialize(ResourceKinds.FindByKind(node["kind"]!.GetValue<string>())!, json);
            Switchyard.Model.Validation.ResourceValidation.ApplyDefaults(obj);
            Assert.Empty(Switchyard.Model.Validation.ResourceValidation.Validate(obj));
        }
    }
}
