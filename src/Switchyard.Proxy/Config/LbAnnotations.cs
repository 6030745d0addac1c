using System.Globalization;
using k8s.Models;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Resilience;

namespace Switchyard.Proxy.Config;

/// <summary>
/// The one place load balancing, health (active and passive), circuit breaking and session affinity are configured: annotations on the backend Service
/// (documented in docs/components/gateway.md). Unknown or malformed values are reported and the default is used.
/// </summary>
internal static class LbAnnotations
{
    public const string Prefix = "lb.switchyard.dev/";
    public const string Policy = Prefix + "policy";
    public const string HashKey = Prefix + "hash-key";
    public const string Consecutive5xx = Prefix + "outlier-consecutive-5xx";
    public const string ConsecutiveConnectFailures = Prefix + "outlier-consecutive-connect-failures";
    public const string BaseEjectionTime = Prefix + "outlier-base-ejection-time";
    public const string MaxEjectionPercent = Prefix + "outlier-max-ejection-percent";
    public const string HealthCheckPath = Prefix + "health-check-path";
    public const string HealthCheckInterval = Prefix + "health-check-interval";
    public const string HealthCheckTimeout = Prefix + "health-check-timeout";
    public const string HealthyThreshold = Prefix + "health-check-healthy-threshold";
    public const string UnhealthyThreshold = Prefix + "health-check-unhealthy-threshold";
    public const string ExpectedStatuses = Prefix + "health-check-expected-statuses";
    public const string MaxConnections = Prefix + "max-connections";
    public const string MaxPendingRequests = Prefix + "max-pending-requests";
    public const string MaxRequests = Prefix + "max-requests";
    public const string MaxRetries = Prefix + "max-retries";
    public const string StickyCookie = Prefix + "sticky-cookie";
    public const string StickyCookieMaxAge = Prefix + "sticky-cookie-max-age";
    public const string IdleTimeout = Prefix + "idle-timeout";

    private const int MaxLimit = 1_000_000;

    public sealed record Settings(
        string Policy, HashKey? Key, OutlierDetection Outlier, HealthCheckPolicy? HealthCheck = null, CircuitBreakerLimits? Limits = null,
        StickyCookie? Sticky = null, TimeSpan? IdleTimeout = null);

    public static Settings Read(V1Service service, List<string> warnings)
    {
        IDictionary<string, string> a = service.Metadata?.Annotations ?? new Dictionary<string, string>();
        var where = $"service {service.Metadata?.NamespaceProperty}/{service.Metadata?.Name}";
        var policy = (a.TryGetValue(Policy, out var p0) ? p0 : null);
        HashKey? key = null;
        if (a.TryGetValue(HashKey, out var keyText))
        {
            key = LoadBalancing.HashKey.Parse(keyText, out var error);
            if (error is not null) warnings.Add($"{where}: annotation {HashKey}: {error}");
        }
        if (service.Spec?.SessionAffinity == "ClientIP")
        {
            if (policy is null)
            {
                if (key is not null && key != LoadBalancing.HashKey.SourceIp)
                    warnings.Add($"{where}: spec.sessionAffinity ClientIP hashes the source IP; annotation {HashKey} '{keyText}' is not used (drop one of them)");
                policy = LoadBalancingPolicies.RingHash;
                key = LoadBalancing.HashKey.SourceIp;
            }
            else if (policy is not (LoadBalancingPolicies.RingHash or LoadBalancingPolicies.Maglev) || key != LoadBalancing.HashKey.SourceIp)
            {
                warnings.Add($"{where}: spec.sessionAffinity ClientIP is not applied: annotation {Policy} '{policy}'"
                    + (key is null ? "" : $" with {HashKey} '{keyText}'") + $" decides (for ClientIP affinity drop the annotation, or use ring-hash or maglev with {HashKey} source-ip)");
            }
        }
        policy ??= LoadBalancingPolicies.Default;
        if (!LoadBalancingPolicies.Factories.ContainsKey(policy))
        {
            warnings.Add($"{where}: annotation {Policy}: '{policy}' is not a policy; use one of {string.Join(", ", LoadBalancingPolicies.All)} (using {LoadBalancingPolicies.Default})");
            policy = LoadBalancingPolicies.Default;
        }
        if (policy is LoadBalancingPolicies.RingHash or LoadBalancingPolicies.Maglev && key is null)
        {
            warnings.Add($"{where}: {policy} needs annotation {HashKey} (header:NAME, cookie:NAME or source-ip); hashing the source IP");
            key = LoadBalancing.HashKey.SourceIp;
        }
        var outlier = OutlierDetection.Default;
        outlier = outlier with
        {
            Consecutive5xx = Int(a, Consecutive5xx, outlier.Consecutive5xx, 0, 1000, where, warnings),
            ConsecutiveConnectFailures = Int(a, ConsecutiveConnectFailures, outlier.ConsecutiveConnectFailures, 0, 1000, where, warnings),
            MaxEjectionPercent = Int(a, MaxEjectionPercent, outlier.MaxEjectionPercent, 0, 100, where, warnings),
            BaseEjectionTime = Duration(a, BaseEjectionTime, outlier.BaseEjectionTime, where, warnings),
        };
        TimeSpan? idle = null;
        if (a.TryGetValue(IdleTimeout, out var idleText))
        {
            if (GatewayDuration.TryParse(idleText, out var d) && d > TimeSpan.Zero) idle = d;
            else warnings.Add($"{where}: annotation {IdleTimeout}: '{idleText}' is not a duration like 30s, 10m or 8h (using the gateway's --tls-idle-timeout and --udp-idle-timeout)");
        }
        return new Settings(policy, key, outlier, ReadHealthCheck(a, where, warnings), ReadLimits(a, where, warnings), ReadSticky(a, where, warnings), idle);
    }

    private static HealthCheckPolicy? ReadHealthCheck(IDictionary<string, string> a, string where, List<string> warnings)
    {
        if (!a.TryGetValue(HealthCheckPath, out var path))
        {
            foreach (var other in (string[])[HealthCheckInterval, HealthCheckTimeout, HealthyThreshold, UnhealthyThreshold, ExpectedStatuses])
                if (a.ContainsKey(other)) warnings.Add($"{where}: annotation {other} has no effect without {HealthCheckPath}");
            return null;
        }
        if (!path.StartsWith('/') || path.Any(c => c <= ' ' || c >= 0x7f))
        {
            warnings.Add($"{where}: annotation {HealthCheckPath}: '{path}' is not a request path like /healthz (no active health checks)");
            return null;
        }
        var d = new HealthCheckPolicy { Path = path };
        var statuses = d.ExpectedStatuses;
        if (a.TryGetValue(ExpectedStatuses, out var text))
        {
            if (StatusRanges.Parse(text) is { } parsed) statuses = parsed;
            else warnings.Add($"{where}: annotation {ExpectedStatuses}: '{text}' is not a list of statuses like 200,204,300-399 (using {d.ExpectedStatuses})");
        }
        return d with
        {
            Interval = Duration(a, HealthCheckInterval, d.Interval, where, warnings),
            Timeout = Duration(a, HealthCheckTimeout, d.Timeout, where, warnings),
            HealthyThreshold = Int(a, HealthyThreshold, d.HealthyThreshold, 1, 100, where, warnings),
            UnhealthyThreshold = Int(a, UnhealthyThreshold, d.UnhealthyThreshold, 1, 100, where, warnings),
            ExpectedStatuses = statuses,
        };
    }

    private static CircuitBreakerLimits? ReadLimits(IDictionary<string, string> a, string where, List<string> warnings)
    {
        var limits = new CircuitBreakerLimits
        {
            MaxConnections = Limit(a, MaxConnections, 1, where, warnings),
            MaxPendingRequests = Int(a, MaxPendingRequests, CircuitBreakerLimits.DefaultMaxPendingRequests, 0, MaxLimit, where, warnings),
            MaxRequests = Limit(a, MaxRequests, 1, where, warnings),
            MaxRetries = Limit(a, MaxRetries, 0, where, warnings),
        };
        if (a.ContainsKey(MaxPendingRequests) && limits.MaxConnections is null)
            warnings.Add($"{where}: annotation {MaxPendingRequests} has no effect without {MaxConnections}");
        return limits.Any ? limits : null;
    }

    private static int? Limit(IDictionary<string, string> a, string name, int min, string where, List<string> warnings)
    {
        if (!a.TryGetValue(name, out var text)) return null;
        if (TryInt(text, min, MaxLimit, out var v)) return v;
        warnings.Add($"{where}: annotation {name}: '{text}' is not a whole number from {min} to {MaxLimit} (no limit)");
        return null;
    }

    private static StickyCookie? ReadSticky(IDictionary<string, string> a, string where, List<string> warnings)
    {
        if (!a.TryGetValue(StickyCookie, out var name))
        {
            if (a.ContainsKey(StickyCookieMaxAge)) warnings.Add($"{where}: annotation {StickyCookieMaxAge} has no effect without {StickyCookie}");
            return null;
        }
        if (!GatewayCompiler.IsToken(name))
        {
            warnings.Add($"{where}: annotation {StickyCookie}: '{name}' is not a cookie name (letters, digits and !#$%&'*+-.^_`|~); no affinity");
            return null;
        }
        TimeSpan? maxAge = a.ContainsKey(StickyCookieMaxAge) ? Duration(a, StickyCookieMaxAge, TimeSpan.Zero, where, warnings) : null;
        return new StickyCookie(name, maxAge > TimeSpan.Zero ? maxAge : null);
    }

    public static ILoadBalancer Create(Settings settings, EndpointState[] endpoints, IRandomSource random)
    {
        var balancer = Balancer(settings, endpoints, random);
        return settings.Sticky is { } cookie ? new StickyCookieBalancer(balancer, cookie, endpoints) : balancer;
    }

    private static ILoadBalancer Balancer(Settings settings, EndpointState[] endpoints, IRandomSource random) =>
        LoadBalancingPolicies.Factories[settings.Policy](endpoints, settings.Key ?? LoadBalancing.HashKey.SourceIp, random);

    private static int Int(IDictionary<string, string> a, string name, int fallback, int min, int max, string where, List<string> warnings)
    {
        if (!a.TryGetValue(name, out var text)) return fallback;
        if (TryInt(text, min, max, out var v)) return v;
        warnings.Add($"{where}: annotation {name}: '{text}' is not a whole number from {min} to {max} (using {fallback})");
        return fallback;
    }

    private static bool TryInt(string text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static TimeSpan Duration(IDictionary<string, string> a, string name, TimeSpan fallback, string where, List<string> warnings)
    {
        if (!a.TryGetValue(name, out var text)) return fallback;
        if (GatewayDuration.TryParse(text, out var d) && d > TimeSpan.Zero) return d;
        warnings.Add($"{where}: annotation {name}: '{text}' is not a duration like 30s, 500ms or 1m (using {fallback.TotalSeconds}s)");
        return fallback;
    }
}

/// <summary>Gateway API duration strings: one or more number+unit pairs, units h, m, s, ms ("1h30m", "500ms", "0s").</summary>
internal static class GatewayDuration
{
    /// <summary>The largest number in one part: Gateway API allows up to 5 digits, and more would overflow a TimeSpan.</summary>
    private const long MaxPart = 99_999;

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) return false;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > MaxPart) return false;
            if (text.AsSpan(i).StartsWith("ms", StringComparison.Ordinal)) { value += TimeSpan.FromMilliseconds(n); i += 2; }
            else if (i < text.Length && text[i] == 'h') { value += TimeSpan.FromHours(n); i++; }
            else if (i < text.Length && text[i] == 'm') { value += TimeSpan.FromMinutes(n); i++; }
            else if (i < text.Length && text[i] == 's') { value += TimeSpan.FromSeconds(n); i++; }
            else return false;
        }
        return true;
    }
}
