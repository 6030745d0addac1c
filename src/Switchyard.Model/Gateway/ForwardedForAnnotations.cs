using Switchyard.Model.Networking;
using Switchyard.Model.Validation;

namespace Switchyard.Model.Gateway;

/// <summary>
/// The client's address from a trusted X-Forwarded-For (the gateway behind an L7 load balancer or a CDN), set by an
/// annotation on a Gateway because Gateway API has no field for it: the CIDRs of the proxies in front whose
/// X-Forwarded-For the gateway believes, comma-separated (<c>"10.0.0.0/8, 2001:db8::/32"</c>). Named after the header
/// it reads and the kind of value (as Envoy Gateway's <c>clientIPDetection.xForwardedFor.trustedCIDRs</c>), not
/// "trusted-proxies": that would read as a list of trusted PROXY protocol sources, which it is not. The value is
/// checked by API validation (every bad entry named with the annotation's field path) and again when the proxy
/// compiles, failing closed.
/// </summary>
public static class ForwardedForAnnotations
{
    /// <summary>On a Gateway: the CIDRs of the proxies whose X-Forwarded-For names the client (docs/components/gateway.md).</summary>
    public const string Gateway = "gateway.switchyard.dev/x-forwarded-for-trusted-cidrs";

    /// <summary>The most CIDRs one value may list (as authorization's <c>clientCIDRs</c>).</summary>
    public const int MaxCidrs = 64;

    /// <summary>
    /// Parses a comma-separated list of CIDRs (spaces around each allowed), each as Kubernetes validates new CIDRs
    /// (no host bits set). Returns them in canonical order (IPv4 first, then by address and length, duplicates
    /// removed), or null with one (entry, problem) per bad entry in <paramref name="problems"/>: every one, not the first.
    /// </summary>
    public static IReadOnlyList<IpPrefix>? Parse(string value, List<(string Entry, string Problem)> problems)
    {
        var before = problems.Count;
        var cidrs = new List<IpPrefix>();
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add((value, "name at least one CIDR (e.g. \"10.0.0.0/8, 2001:db8::/32\"), or remove the annotation"));
            return null;
        }
        foreach (var part in value.Split(','))
        {
            var entry = part.Trim(' ', '\t');
            if (entry.Length == 0) problems.Add((entry, "an empty entry; separate CIDRs with single commas"));
            else if (!IpPrefix.TryParse(entry, out var cidr, out var hostBitsSet)) problems.Add((entry, IpRules.CidrMessage));
            else if (hostBitsSet) problems.Add((entry, $"must be a network address with no host bits set (did you mean \"{cidr}\"?)"));
            else cidrs.Add(cidr);
        }
        if (cidrs.Count > MaxCidrs) problems.Add((value, $"{cidrs.Count} CIDRs; at most {MaxCidrs}"));
        if (problems.Count > before) return null;
        return [.. cidrs.Distinct().OrderBy(c => c.Family).ThenBy(c => c.Network.Value).ThenBy(c => c.PrefixLength)];
    }

    /// <summary>A Gateway's trusted CIDRs: null when it has no annotation; with <paramref name="problems"/> filled (and null returned) when the value is bad.</summary>
    public static IReadOnlyList<IpPrefix>? Of(IDictionary<string, string>? annotations, List<(string Entry, string Problem)> problems) =>
        annotations is not null && annotations.TryGetValue(Gateway, out var value) ? Parse(value, problems) : null;

    /// <summary>The canonical text of a list: "10.0.0.0/8, 2001:db8::/32".</summary>
    public static string Format(IEnumerable<IpPrefix> cidrs) => string.Join(", ", cidrs);
}
