using System.Globalization;
using k8s.Models;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.LoadBalancing;

namespace Switchyard.Proxy.Config;

/// <summary>
/// The one place load balancing and passive health are configured: annotations on the backend Service
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

    public sealed record Settings(string Policy, HashKey? Key, OutlierDetection Outlier);

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
        if (policy is null && service.Spec?.SessionAffinity == "ClientIP")
        {
            policy = LoadBalancingPolicies.RingHash;
            key = LoadBalancing.HashKey.SourceIp;
        }
        policy ??= LoadBalancingPolicies.Default;
        if (!LoadBalancingPolicies.All.Contains(policy))
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
        return new Settings(policy, key, outlier);
    }

    public static ILoadBalancer Create(Settings settings, EndpointState[] endpoints, IRandomSource random) => settings.Policy switch
    {
        LoadBalancingPolicies.RoundRobin => new RoundRobinBalancer(),
        LoadBalancingPolicies.Random => new RandomBalancer(random),
        LoadBalancingPolicies.RingHash => new RingHashBalancer(endpoints, settings.Key ?? LoadBalancing.HashKey.SourceIp, random),
        LoadBalancingPolicies.Maglev => new MaglevBalancer(endpoints, settings.Key ?? LoadBalancing.HashKey.SourceIp, random),
        _ => new LeastRequestBalancer(random),
    };

    private static int Int(IDictionary<string, string> a, string name, int fallback, int min, int max, string where, List<string> warnings)
    {
        if (!a.TryGetValue(name, out var text)) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
        warnings.Add($"{where}: annotation {name}: '{text}' is not a whole number from {min} to {max} (using {fallback})");
        return fallback;
    }

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
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) return false;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
            if (text.AsSpan(i).StartsWith("ms", StringComparison.Ordinal)) { value += TimeSpan.FromMilliseconds(n); i += 2; }
            else if (i < text.Length && text[i] == 'h') { value += TimeSpan.FromHours(n); i++; }
            else if (i < text.Length && text[i] == 'm') { value += TimeSpan.FromMinutes(n); i++; }
            else if (i < text.Length && text[i] == 's') { value += TimeSpan.FromSeconds(n); i++; }
            else return false;
        }
        return true;
    }
}
