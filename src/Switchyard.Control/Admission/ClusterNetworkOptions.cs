using Switchyard.Model.Networking;
using Switchyard.Model.Validation;

namespace Switchyard.Control.Admission;

/// <summary>
/// The address ranges of the cluster network. Both defaults lie inside 127.0.0.0/8, which is all
/// loopback on Linux, so a node proxy and local pods can bind these addresses without root.
/// Validate once with <see cref="Validate"/>; consumers copy what they need at construction.
/// </summary>
public sealed record ClusterNetworkOptions
{
    /// <summary>
    /// Default Service (ClusterIP) range: 127.96.0.0/12 (127.96.0.0 – 127.111.255.255), the loopback
    /// twin of Kubernetes' customary 10.96.0.0/12. About a million addresses, none near 127.0.0.1.
    /// </summary>
    public const string DefaultServiceCidr = "127.96.0.0/12";

    /// <summary>
    /// Default Pod range: 127.64.0.0/12 (127.64.0.0 – 127.79.255.255), disjoint from
    /// <see cref="DefaultServiceCidr"/>. Used by the local runtime to give each pod its own address.
    /// </summary>
    public const string DefaultPodCidr = "127.64.0.0/12";

    /// <summary>An IPv6 service range to add for dual-stack clusters (not configured by default).</summary>
    public const string SuggestedIPv6ServiceCidr = "fd00:10:96::/112";

    /// <summary>
    /// Service ranges, at most one per IP family; the first is the primary family (the family of a
    /// Service that does not ask for one). Default: [<see cref="DefaultServiceCidr"/>]. Configuring one
    /// IPv4 and one IPv6 range makes the cluster dual-stack.
    /// </summary>
    public IReadOnlyList<string> ServiceCidrs { get; init; } = [DefaultServiceCidr];

    /// <summary>Pod ranges, at most one per family. Default: [<see cref="DefaultPodCidr"/>].</summary>
    public IReadOnlyList<string> PodCidrs { get; init; } = [DefaultPodCidr];

    /// <summary>Every problem with these options, with the option name as the path; empty when valid.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        var services = ParseAll(ServiceCidrs, nameof(ServiceCidrs), errors);
        var pods = ParseAll(PodCidrs, nameof(PodCidrs), errors);
        foreach (var (s, si) in services)
        {
            if (ServiceIpRange.UsableCount(s) == 0)
            {
                errors.Invalid(FieldPath.Index(nameof(ServiceCidrs), si), s.ToString(), "range is too small: it has no usable address once the network (and IPv4 broadcast) address is reserved");
            }
        }
        foreach (var (s, si) in services)
        {
            foreach (var (p, pi) in pods)
            {
                if (s.Overlaps(p))
                {
                    errors.Invalid(FieldPath.Index(nameof(ServiceCidrs), si), s.ToString(), $"overlaps the pod range {p} (PodCidrs[{pi}]); the two must be disjoint");
                }
            }
        }
        return errors;
    }

    /// <summary>The parsed service ranges; throws if the options are invalid (call <see cref="Validate"/> first).</summary>
    internal IReadOnlyList<IpPrefix> ParsedServiceCidrs() => ServiceCidrs.Select(c => IpPrefix.TryParse(c, out var r)
        ? r : throw new InvalidOperationException($"invalid service CIDR {c}; validate ClusterNetworkOptions first")).ToArray();

    private static List<(IpPrefix Cidr, int Index)> ParseAll(IReadOnlyList<string> cidrs, string name, List<FieldError> errors)
    {
        var parsed = new List<(IpPrefix, int)>();
        if (cidrs.Count == 0) errors.Required(name, "at least one range is needed");
        if (cidrs.Count > 2) errors.TooMany(name, cidrs.Count, 2);
        for (var i = 0; i < cidrs.Count; i++)
        {
            var path = FieldPath.Index(name, i);
            if (!IpPrefix.TryParse(cidrs[i], out var cidr, out var hostBitsSet))
            {
                errors.Invalid(path, cidrs[i], "must be a valid CIDR value, e.g. 10.0.0.0/16 or fd00::/112");
                continue;
            }
            if (hostBitsSet)
            {
                errors.Invalid(path, cidrs[i], $"must be a network address with no host bits set, e.g. {cidr}");
                continue;
            }
            if (parsed.Any(p => p.Item1.Family == cidr.Family))
            {
                errors.Invalid(path, cidrs[i], $"only one {cidr.Family} range may be configured");
                continue;
            }
            parsed.Add((cidr, i));
        }
        return parsed;
    }
}
