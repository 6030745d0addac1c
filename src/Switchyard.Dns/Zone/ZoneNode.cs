using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Zone;

/// <summary>
/// One owner name of the compiled zone with a ready answer per record type. A node with no templates is an empty
/// non-terminal (NODATA, not NXDOMAIN). Immutable; shared between snapshots until its records change.
/// </summary>
internal sealed class ZoneNode
{
    private readonly RecordType[] _types;
    private readonly ResponseTemplate[] _templates;

    public ZoneNode(string name, bool inZone, RecordType[] types, ResponseTemplate[] templates, ResponseTemplate? cname, ResponseTemplate? any)
    {
        Name = name;
        InZone = inZone;
        _types = types;
        _templates = templates;
        Cname = cname;
        Any = any;
    }

    public string Name { get; }

    /// <summary>True under the cluster zone (NODATA carries the SOA); false for reverse names we hold PTRs for.</summary>
    public bool InZone { get; }

    /// <summary>Set when the name is an alias: every type is answered with it (RFC 1034 §3.6.2).</summary>
    public ResponseTemplate? Cname { get; }

    /// <summary>All records at the name, for qtype ANY.</summary>
    public ResponseTemplate? Any { get; }

    public bool IsEmpty => _types.Length == 0 && Cname is null;

    public ResponseTemplate? Find(RecordType type)
    {
        var types = _types;
        for (var i = 0; i < types.Length; i++)
        {
            if (types[i] == type) return _templates[i];
        }
        return null;
    }

    public IEnumerable<DnsRecord> RecordsOf(RecordType type) => Find(type)?.Answers ?? (IEnumerable<DnsRecord>)[];
}
