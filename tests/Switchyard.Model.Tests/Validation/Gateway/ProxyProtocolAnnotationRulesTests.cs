using k8s.Models;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;
using GatewayResource = Switchyard.Model.Gateway.Gateway;

namespace Switchyard.Model.Tests.Validation.Gateway;

/// <summary>The PROXY protocol annotations: API validation refuses values the proxy would not understand, naming the annotation's field path.</summary>
public sealed class ProxyProtocolAnnotationRulesTests
{
    private static string Gateway(string annotation) =>
        "{\"apiVersion\":\"gateway.networking.k8s.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"edge\",\"namespace\":\"infra\",\"annotations\":{\"gateway.switchyard.dev/proxy-protocol\":\""
        + annotation + "\"}},\"spec\":{\"gatewayClassName\":\"switchyard\",\"listeners\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"HTTP\"}]}}";

    private static string Service(string annotation) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"annotations\":{\"lb.switchyard.dev/proxy-protocol\":\""
        + annotation + "\"}},\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"name\":\"http\",\"port\":80}]}}";

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public void Validate_GatewayAnnotation_TrueOrFalse_NoErrors(string value) => Assert.Empty(Errors<GatewayResource>(Gateway(value)));

    [Theory]
    [InlineData("yes")]
    [InlineData("True")]
    [InlineData("v2")]
    [InlineData("")]
    public void Validate_GatewayAnnotation_OtherValue_NotSupportedWithFieldPath(string value) => Assert.Equal(
        [$"metadata.annotations[gateway.switchyard.dev/proxy-protocol]: Unsupported value: \"{value}\": supported values: \"true\", \"false\""],
        Errors<GatewayResource>(Gateway(value)));

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public void Validate_ServiceAnnotation_V1OrV2_NoErrors(string value) => Assert.Empty(Errors<V1Service>(Service(value)));

    [Theory]
    [InlineData("V2")]
    [InlineData("2")]
    [InlineData("true")]
    [InlineData("v3")]
    public void Validate_ServiceAnnotation_OtherValue_NotSupportedWithFieldPath(string value) => Assert.Equal(
        [$"metadata.annotations[lb.switchyard.dev/proxy-protocol]: Unsupported value: \"{value}\": supported values: \"v1\", \"v2\""],
        Errors<V1Service>(Service(value)));
}
