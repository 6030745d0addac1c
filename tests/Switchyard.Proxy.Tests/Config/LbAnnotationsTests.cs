using k8s.Models;
using Switchyard.Proxy.Config;
using Switchyard.Proxy.Endpoints;

namespace Switchyard.Proxy.Tests.Config;

/// <summary>Service annotations for health checks, circuit breaking and sticky cookies: parsed values and the warnings bad ones give.</summary>
public sealed class LbAnnotationsTests
{
    private static (LbAnnotations.Settings Settings, List<string> Warnings) Read(params (string Name, string Value)[] annotations)
    {
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = "default", Annotations = annotations.ToDictionary(a => "lb.switchyard.dev/" + a.Name, a => a.Value) },
        };
        var warnings = new List<string>();
        return (LbAnnotations.Read(service, warnings), warnings);
    }

    [Fact]
    public void Read_AllResilienceAnnotations_Parsed()
    {
        var (s, warnings) = Read(
            ("health-check-path", "/healthz"), ("health-check-interval", "2s"), ("health-check-timeout", "250ms"),
            ("health-check-healthy-threshold", "1"), ("health-check-unhealthy-threshold", "4"), ("health-check-expected-statuses", "200,300-302"),
            ("max-connections", "10"), ("max-pending-requests", "0"), ("max-requests", "20"), ("max-retries", "3"),
            ("sticky-cookie", "sy"), ("sticky-cookie-max-age", "1h"), ("idle-timeout", "8h"));
        Assert.Empty(warnings);
        Assert.Equal(new HealthCheckPolicy
        {
            Path = "/healthz", Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromMilliseconds(250), HealthyThreshold = 1, UnhealthyThreshold = 4,
            ExpectedStatuses = StatusRanges.Parse("200,300-302")!,
        }, s.HealthCheck);
        Assert.Equal(new Proxy.Resilience.CircuitBreakerLimits { MaxConnections = 10, MaxPendingRequests = 0, MaxRequests = 20, MaxRetries = 3 }, s.Limits);
        Assert.Equal(new Proxy.LoadBalancing.StickyCookie("sy", TimeSpan.FromHours(1)), s.Sticky);
        Assert.Equal(TimeSpan.FromHours(8), s.IdleTimeout);
    }

    [Theory]
    [InlineData(null, null, "ring-hash", null)] // ClientIP alone: ring hash on the source address
    [InlineData("maglev", "source-ip", "maglev", null)] // the same affinity, by the annotations
    [InlineData("round-robin", null, "round-robin", "spec.sessionAffinity ClientIP is not applied: annotation lb.switchyard.dev/policy 'round-robin' decides")]
    [InlineData("ring-hash", "header:x-user", "ring-hash", "spec.sessionAffinity ClientIP is not applied: annotation lb.switchyard.dev/policy 'ring-hash' with lb.switchyard.dev/hash-key 'header:x-user' decides")]
    [InlineData(null, "header:x-user", "ring-hash", "spec.sessionAffinity ClientIP hashes the source IP; annotation lb.switchyard.dev/hash-key 'header:x-user' is not used")]
    public void Read_ClientIpAffinity_AppliedOrWarnedAbout(string? policy, string? hashKey, string expectedPolicy, string? warning)
    {
        var annotations = new List<(string, string)>();
        if (policy is not null) annotations.Add(("policy", policy));
        if (hashKey is not null) annotations.Add(("hash-key", hashKey));
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = "default", Annotations = annotations.ToDictionary(a => "lb.switchyard.dev/" + a.Item1, a => a.Item2) },
            Spec = new V1ServiceSpec { SessionAffinity = "ClientIP" },
        };
        var warnings = new List<string>();
        var settings = LbAnnotations.Read(service, warnings);

        Assert.Equal(expectedPolicy, settings.Policy);
        if (warning is null) Assert.Empty(warnings);
        else Assert.StartsWith("service default/svc: " + warning, Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoAnnotations_NothingEnabled()
    {
        var (s, warnings) = Read();
        Assert.Empty(warnings);
        Assert.Null(s.HealthCheck);
        Assert.Null(s.Limits);
        Assert.Null(s.Sticky);
        Assert.Null(s.IdleTimeout);
    }

    [Theory]
    [InlineData("health-check-path", "healthz", "service default/svc: annotation lb.switchyard.dev/health-check-path: 'healthz' is not a request path like /healthz (no active health checks)")]
    [InlineData("health-check-interval", "5s", "service default/svc: annotation lb.switchyard.dev/health-check-interval has no effect without lb.switchyard.dev/health-check-path")]
    [InlineData("max-connections", "0", "service default/svc: annotation lb.switchyard.dev/max-connections: '0' is not a whole number from 1 to 1000000 (no limit)")]
    [InlineData("max-requests", "many", "service default/svc: annotation lb.switchyard.dev/max-requests: 'many' is not a whole number from 1 to 1000000 (no limit)")]
    [InlineData("max-pending-requests", "5", "service default/svc: annotation lb.switchyard.dev/max-pending-requests has no effect without lb.switchyard.dev/max-connections")]
    [InlineData("sticky-cookie", "a b", "service default/svc: annotation lb.switchyard.dev/sticky-cookie: 'a b' is not a cookie name (letters, digits and !#$%&'*+-.^_`|~); no affinity")]
    [InlineData("sticky-cookie-max-age", "1h", "service default/svc: annotation lb.switchyard.dev/sticky-cookie-max-age has no effect without lb.switchyard.dev/sticky-cookie")]
    [InlineData("idle-timeout", "0s", "service default/svc: annotation lb.switchyard.dev/idle-timeout: '0s' is not a duration like 30s, 10m or 8h (using the gateway's --tls-idle-timeout and --udp-idle-timeout)")]
    [InlineData("idle-timeout", "1 day", "service default/svc: annotation lb.switchyard.dev/idle-timeout: '1 day' is not a duration like 30s, 10m or 8h (using the gateway's --tls-idle-timeout and --udp-idle-timeout)")]
    public void Read_BadValue_WarnsNamingServiceAndAnnotation(string name, string value, string warning)
    {
        var (_, warnings) = Read((name, value));
        Assert.Equal([warning], warnings);
    }

    [Fact]
    public void Read_BadExpectedStatuses_WarnsAndKeepsDefault()
    {
        var (s, warnings) = Read(("health-check-path", "/h"), ("health-check-expected-statuses", "200-100"));
        Assert.Equal(["service default/svc: annotation lb.switchyard.dev/health-check-expected-statuses: '200-100' is not a list of statuses like 200,204,300-399 (using 200-399)"], warnings);
        Assert.Equal(StatusRanges.Default, s.HealthCheck!.ExpectedStatuses);
    }
}
