namespace Switchyard.Proxy.LoadBalancing;

/// <summary>The policy names accepted in the <c>lb.switchyard.dev/policy</c> Service annotation; the default is least-request.</summary>
internal static class LoadBalancingPolicies
{
    public const string LeastRequest = "least-request";
    public const string RoundRobin = "round-robin";
    public const string Random = "random";
    public const string RingHash = "ring-hash";
    public const string Maglev = "maglev";

    public const string Default = LeastRequest;

    public static readonly IReadOnlyList<string> All = [LeastRequest, RoundRobin, Random, RingHash, Maglev];
}
