using System.Buffers.Binary;
using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Zone;

/// <summary>
/// An immutable, compiled view of the zone: every owner name with its ready answers, the SOA, and the pod address
/// index used by autopath. Built by <see cref="ZoneState"/>, swapped in atomically through <see cref="ZoneView"/>.
/// Lookups take the name as lowercase dotted text and never allocate.
/// </summary>
internal sealed class ZoneSnapshot
{
    private readonly Dictionary<string, ZoneNode> _nodes;
    private readonly Dictionary<string, ZoneNode>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<UInt128, string> _podNamespaces;

    /// <summary>Offsets in <see cref="SoaRecord"/> of the three compression pointers to the apex.</summary>
    public static readonly int[] SoaPointerOffsets = [0, 19, 32];

    public ZoneSnapshot(ZoneOptions options, Dictionary<string, ZoneNode> nodes, Dictionary<UInt128, string> podNamespaces, uint serial)
    {
        Options = options;
        Zone = options.NormalizedZone;
        ZoneWireLength = DnsNames.WireLength(Zone);
        _nodes = nodes;
        _lookup = nodes.GetAlternateLookup<ReadOnlySpan<char>>();
        _podNamespaces = podNamespaces;
        Serial = serial;
        SoaRecord = BuildSoa(options.Ttl, serial);
    }

    public ZoneOptions Options { get; }

    /// <summary>Lowercase, no final dot.</summary>
    public string Zone { get; }

    public int ZoneWireLength { get; }

    public uint Serial { get; }

    public int NameCount => _nodes.Count;

    /// <summary>
    /// The apex SOA record, encoded with three placeholder pointers (owner, and the suffixes of MNAME and RNAME) that a
    /// responder sets to wherever the apex sits in its question name.
    /// </summary>
    public byte[] SoaRecord { get; }

    public bool TryFind(ReadOnlySpan<char> name, out ZoneNode node) => _lookup.TryGetValue(name, out node!);

    public ZoneNode? Find(string name) => _nodes.GetValueOrDefault(name);

    public string? PodNamespace(UInt128 address) => address == 0 ? null : _podNamespaces.GetValueOrDefault(address);

    public bool HasPods => _podNamespaces.Count > 0;

    public IEnumerable<ZoneNode> Nodes => _nodes.Values;

    public SoaData Soa => new(ApexRecords.NameServer(Zone), ApexRecords.Mailbox(Zone), Serial, 7200, 1800, 86400, Options.Ttl);

    private static byte[] BuildSoa(uint ttl, uint serial)
    {
        var b = new byte[54];
        var s = b.AsSpan();
        // owner: pointer (patched)
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], (ushort)RecordType.SOA);
        BinaryPrimitives.WriteUInt16BigEndian(s[4..], DnsHeader.ClassIN);
        BinaryPrimitives.WriteUInt32BigEndian(s[6..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(s[10..], 42);
        // MNAME ns.dns.<apex>
        s[12] = 2;
        "ns"u8.CopyTo(s[13..]);
        s[15] = 3;
        "dns"u8.CopyTo(s[16..]);
        // pointer at 19 (patched); RNAME hostmaster.<apex>
        s[21] = 10;
        "hostmaster"u8.CopyTo(s[22..]);
        // pointer at 32 (patched)
        BinaryPrimitives.WriteUInt32BigEndian(s[34..], serial);
        BinaryPrimitives.WriteUInt32BigEndian(s[38..], 7200); // refresh
        BinaryPrimitives.WriteUInt32BigEndian(s[42..], 1800); // retry
        BinaryPrimitives.WriteUInt32BigEndian(s[46..], 86400); // expire
        BinaryPrimitives.WriteUInt32BigEndian(s[50..], ttl); // minimum = negative TTL (RFC 2308)
        return b;
    }
}
