using System.Net;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Zone;

/// <summary>How <c>a-b-c-d.ns.pod.zone</c> names are answered (the deprecated pod records of the specification).</summary>
public enum PodRecordsMode
{
    /// <summary>No pod records (the default): such names are NXDOMAIN.</summary>
    Disabled,
    /// <summary>Any well-formed dashed address is answered with that address, whether a pod has it or not (kube-dns behavior).</summary>
    Insecure,
    /// <summary>Answered only when a pod in that namespace has that address.</summary>
    Verified,
}

/// <summary>What the cluster zone looks like. Validated once; the compiled snapshot copies what it needs.</summary>
public sealed record ZoneOptions
{
    /// <summary>The cluster domain. Default <c>cluster.local</c>.</summary>
    public string Zone { get; init; } = "cluster.local";

    /// <summary>TTL of every zone record, and the negative-caching TTL (SOA minimum). Default 5 seconds.</summary>
    public uint Ttl { get; init; } = 5;

    /// <summary>Pod A/AAAA records. Default <see cref="PodRecordsMode.Disabled"/>.</summary>
    public PodRecordsMode PodRecords { get; init; } = PodRecordsMode.Disabled;

    /// <summary>
    /// Addresses published for <c>ns.dns.&lt;zone&gt;</c>, the name server in the apex NS record. Default none
    /// (the NS record is served, its target has no address records).
    /// </summary>
    public IReadOnlyList<IPAddress> NameServerAddresses { get; init; } = [];

    /// <summary>Every problem with these options, each saying how to fix it; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var zone = Zone.TrimEnd('.');
        if (zone.Length == 0) errors.Add("zone: must not be empty (for example cluster.local)");
        else if (zone.Length > 200) errors.Add($"zone: \"{Zone}\" is longer than 200 characters");
        else if (zone.Split('.').Any(l => !IsLabel(l))) errors.Add($"zone: \"{Zone}\" is not a DNS name of lowercase letters, digits and '-' (for example cluster.local)");
        if (Ttl > 86400) errors.Add($"ttl: {Ttl} is more than a day (86400 s)");
        return errors;
    }

    /// <summary>The zone as lookups use it: lowercase, no final dot.</summary>
    internal string NormalizedZone => DnsNames.Lower(Zone.TrimEnd('.'));

    private static bool IsLabel(string l) =>
        l.Length is > 0 and <= 63 && l[0] != '-' && l[^1] != '-' &&
        l.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-');
}
