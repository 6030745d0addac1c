using Switchyard.Model.Gateway;
using static Switchyard.Model.Tests.Validation.Gateway.GatewayRuleCheck;

namespace Switchyard.Model.Tests.Validation.Gateway;

public class HTTPTrafficFilterRulesTests
{
    private static string Manifest(string spec) =>
        $$"""{"apiVersion":"gateway.switchyard.dev/v1alpha1","kind":"HTTPTrafficFilter","metadata":{"name":"chaos","namespace":"default"},"spec":{{spec}}}""";

    [Fact]
    public void Validate_FaultAndRateLimit_NoErrors()
    {
        var json = Manifest("""{"fault":{"delay":{"duration":"200ms","percentage":10},"abort":{"status":503,"percentage":5}},"rateLimit":{"requests":100,"unit":"Minute","burst":150}}""");
        Assert.Empty(Errors<HTTPTrafficFilter>(json));
    }

    [Fact]
    public void Default_Omitted_PercentagesUnitBurstRetryAfterFilled()
    {
        var filter = Defaulted<HTTPTrafficFilter>(Manifest("""{"fault":{"delay":{"duration":"1s"},"abort":{"status":500}},"rateLimit":{"requests":7}}"""));
        Assert.Equal(100, filter.Spec.Fault!.Delay!.Percentage);
        Assert.Equal(100, filter.Spec.Fault.Abort!.Percentage);
        Assert.Equal("Second", filter.Spec.RateLimit!.Unit);
        Assert.Equal(7, filter.Spec.RateLimit.Burst);
        Assert.True(filter.Spec.RateLimit.RetryAfter);
    }

    [Fact]
    public void Validate_EmptySpec_SaysWhatToSet()
    {
        Assert.Equal(["spec: Required value: set at least one of jwt, basicAuth, authorization, rateLimit and fault"], Errors<HTTPTrafficFilter>(Manifest("{}")));
        Assert.Equal(["spec.fault: Required value: set delay, abort or both"], Errors<HTTPTrafficFilter>(Manifest("""{"fault":{}}""")));
    }

    [Fact]
    public void Validate_BadValues_AllReported()
    {
        var json = Manifest("""{"fault":{"delay":{"duration":"2 seconds","percentage":101},"abort":{"status":99,"percentage":-1}},"rateLimit":{"requests":0,"unit":"Day","burst":0}}""");
        Assert.Equal(
        [
            "spec.fault.delay.duration: Invalid value: \"2 seconds\": must be a duration of one to four parts, each up to 5 digits followed by h, m, s or ms (e.g. \"10s\", \"1h30m\", \"500ms\")",
            "spec.fault.delay.percentage: Invalid value: 101: must be a percentage from 0 to 100",
            "spec.fault.abort.status: Invalid value: 99: must be an HTTP status from 200 to 599",
            "spec.fault.abort.percentage: Invalid value: -1: must be a percentage from 0 to 100",
            "spec.rateLimit.requests: Invalid value: 0: must be at least 1",
            "spec.rateLimit.unit: Unsupported value: \"Day\": supported values: \"Second\", \"Minute\", \"Hour\"",
            "spec.rateLimit.burst: Invalid value: 0: must be at least 1",
        ], Errors<HTTPTrafficFilter>(json));
    }

    [Fact]
    public void Validate_MissingRequired_Reported()
    {
        var json = Manifest("""{"fault":{"delay":{},"abort":{}},"rateLimit":{}}""");
        Assert.Equal(
        [
            "spec.fault.delay.duration: Required value",
            "spec.fault.abort.status: Required value",
            "spec.rateLimit.requests: Required value",
        ], Errors<HTTPTrafficFilter>(json));
    }
}
