using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class GatewayClassRulesTests
{
    private static string Manifest(string spec) =>
        $$"""{"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":{"name":"switchyard"},"spec":{{spec}}}""";

    [Fact]
    public void Validate_ValidClass_NoErrors()
    {
        var json = Manifest("""{"controllerName":"switchyard.dev/gateway","description":"local","parametersRef":{"group":"","kind":"ConfigMap","name":"cfg","namespace":"system"}}""");
        Assert.Empty(Errors<GatewayClass>(json));
    }

    [Fact]
    public void Validate_EveryProblem_AllReportedAtOnce()
    {
        var json = Manifest("""{"controllerName":"switchyard","description":"0123456789012345678901234567890123456789012345678901234567890123456789","parametersRef":{"kind":"9x","name":""}}""");
        Assert.Equal(
        [
            "spec.controllerName: Invalid value: \"switchyard\": must be a domain-prefixed path (e.g. \"example.com/gateway-controller\")",
            "spec.description: Too long: may not be more than 64 characters",
            "spec.parametersRef.group: Required value: use \"\" for the core group",
            "spec.parametersRef.kind: Invalid value: \"9x\": must start with a letter and contain only letters, digits and '-' (e.g. \"Service\")",
            "spec.parametersRef.name: Required value",
        ], Errors<GatewayClass>(json));
    }

    [Fact]
    public void Validate_MissingControllerAndNamespaced_ReportsBoth()
    {
        var json = """{"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":{"name":"a","namespace":"x"},"spec":{}}""";
        Assert.Equal(["metadata.namespace: Forbidden: not allowed on this type", "spec.controllerName: Required value"], Errors<GatewayClass>(json));
    }
}
