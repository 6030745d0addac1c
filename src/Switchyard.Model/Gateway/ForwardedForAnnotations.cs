using System.Globalization;
using Switchyard.Model.Networking;
using Switchyard.Model.Validation;

namespace Switchyard.Model.Gateway;

/// <summary>
/// The client's address from a trusted X-Forwarded-For (the gateway behind an L7 load balancer or a CDN), set by an
/// annotation on a Gateway because Gateway API has no field for it, in one of two modes (Envoy Gateway's
/// <c>clientIPDetection.xForwardedFor</c>, whose <c>trustedCIDRs</c> and <c>numTrustedHops</c> are likewise exclusive):
/// <see cref="TrustedCidrs"/>, the CIDRs of the proxies in front whose X-Forwarded-For the gateway believes,
/// comma-separated (<c>"10.0.0.0/8, 2001:db8::/32"</c>); or <see cref="TrustedHops"/>, the number of proxies in front
/// that each append to X-Forwarded-For (<c>"2"</c>). Named after the header they read and the kind of value, not
/// "trusted-proxies": that would read as a list of trusted PROXY protocol sources, which it is not. The values are
/// checked by API validation (every problem named with the annotation's field path) and again when the proxy
/// compiles, failing closed.
/// </summary>
public static class ForwardedForAnnotations
{
    /// <summary>On a Gateway: the CIDRs of the proxies whose X-Forwarded-For names the client (docs/components/gateway.md).</summary>
    public const string TrustedCidrs = "gateway.switchyard.dev/x-forwarded-for-trusted-cidrs";

    /// <summary>On a Gateway: how many proxies in front append to X-Forwarded-For; the client is that many addresses from its right (docs/components/gateway.md).</summary>
    public const string TrustedHops = "gateway.switchyard.dev/x-forwarded-for-trusted-hops";

    /// <summary>The most CIDRs one value may list (as authorization's <c>clientCIDRs</c>).</summary>
    public const int MaxCidrs = 64;

    /// <summary>The most hops one value may trust: real chains of proxies in front are short, and a larger count only makes every request fall back to the peer.</summary>
    public const int MaxHops = 16;

    /// <summary>What is wrong when both modes are set (as Envoy Gateway's "only one of numTrustedHops or trustedCIDRs must be set").</summary>
    public static readonly string BothModes =
        $"only one of {TrustedCidrs} and {TrustedHops} may be set: trust X-Forwarded-For by the peer's CIDR or by a number of hops, not both";

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

    /// <summary>
    /// Parses a number of trusted hops: decimal digits (spaces around allowed), 1 to <see cref="MaxHops"/>. Null with
    /// <paramref name="problem"/> set when the value is anything else.
    /// </summary>
    public static int? ParseHops(string value, out string? problem)
    {
        problem = null;
        var text = value.AsSpan().Trim(" \t");
        if (text.Length is > 0 and <= 9 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var hops) && hops is >= 1 and <= MaxHops) return hops;
        problem = $"must be a whole number of hops from 1 to {MaxHops}: the proxies in front that append to X-Forwarded-For "
            + "(1: a load balancer; 2: a CDN, then a load balancer)";
        return null;
    }

    /// <summary>
    /// A Gateway's X-Forwarded-For trust: null when it has neither annotation; with <paramref name="problems"/> filled
    /// (and null returned) when a value is bad or both are set, every problem, each naming its annotation (an entry of
    /// null: the annotation as a whole is not allowed).
    /// </summary>
    public static ForwardedForTrust? Of(IDictionary<string, string>? annotations, List<ForwardedForProblem> problems)
    {
        if (annotations is null) return null;
        var before = problems.Count;
        IReadOnlyList<IpPrefix>? cidrs = null;
        int? hops = null;
        var hasCidrs = annotations.TryGetValue(TrustedCidrs, out var cidrsValue);
        var hasHops = annotations.TryGetValue(TrustedHops, out var hopsValue);
        if (hasCidrs)
        {
            var cidrProblems = new List<(string Entry, string Problem)>();
            cidrs = Parse(cidrsValue!, cidrProblems);
            problems.AddRange(cidrProblems.Select(p => new ForwardedForProblem(TrustedCidrs, p.Entry, p.Problem)));
        }
        if (hasHops)
        {
            hops = ParseHops(hopsValue!, out var problem);
            if (problem is not null) problems.Add(new ForwardedForProblem(TrustedHops, hopsValue, problem));
        }
        if (hasCidrs && hasHops) problems.Add(new ForwardedForProblem(TrustedHops, null, BothModes));
        if (problems.Count > before) return null;
        return cidrs is not null ? ForwardedForTrust.ByCidrs(cidrs) : hops is { } n ? ForwardedForTrust.ByHops(n) : null;
    }

    /// <summary>The canonical text of a list: "10.0.0.0/8, 2001:db8::/32".</summary>
    public static string Format(IEnumerable<IpPrefix> cidrs) => string.Join(", ", cidrs);
}

/// <summary>One problem with a Gateway's X-Forwarded-For annotations: the annotation, the bad entry (null: the annotation as a whole), and what is wrong.</summary>
public readonly record struct ForwardedForProblem(string Annotation, string? Entry, string Problem);

/// <summary>
/// Whose X-Forwarded-For a listener believes, in exactly one of two modes: the proxies in <see cref="Cidrs"/> (canonical
/// order), or the last <see cref="Hops"/> proxies in front, whoever the peer is (0 in CIDR mode).
/// </summary>
public sealed class ForwardedForTrust
{
    private ForwardedForTrust(IReadOnlyList<IpPrefix>? cidrs, int hops) => (Cidrs, Hops) = (cidrs, hops);

    public IReadOnlyList<IpPrefix>? Cidrs { get; }

    public int Hops { get; }

    public static ForwardedForTrust ByCidrs(IReadOnlyList<IpPrefix> cidrs) =>
        cidrs.Count > 0 ? new(cidrs, 0) : throw new ArgumentException("at least one CIDR", nameof(cidrs));

    public static ForwardedForTrust ByHops(int hops) =>
        hops is >= 1 and <= ForwardedForAnnotations.MaxHops ? new(null, hops) : throw new ArgumentOutOfRangeException(nameof(hops), hops, $"1 to {ForwardedForAnnotations.MaxHops}");
}
