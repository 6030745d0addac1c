using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Zone;

/// <summary>The records at and near the zone apex that do not come from resources: NS, its address, dns-version.</summary>
internal static class ApexRecords
{
    /// <summary>The schema version of the Kubernetes DNS specification this server implements (§2.2).</summary>
    public const string SchemaVersion = "1.1.0";

    public static string NameServer(string zone) => $"ns.dns.{zone}";

    public static string Mailbox(string zone) => $"hostmaster.{zone}";

    public static List<DnsRecord> For(ZoneOptions options, string zone)
    {
        var ttl = options.Ttl;
        var records = new List<DnsRecord>
        {
            new(zone, RecordType.NS, ttl, new NameData(NameServer(zone))),
            new($"dns-version.{zone}", RecordType.TXT, ttl, new TxtData([SchemaVersion])),
        };
        foreach (var ip in options.NameServerAddresses) records.Add(ServiceRecords.Address(NameServer(zone), ip, ttl));
        return records;
    }
}
