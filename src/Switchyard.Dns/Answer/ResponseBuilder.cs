using System.Buffers.Binary;
using Switchyard.Dns.Wire;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns.Answer;

/// <summary>Low-level writes of response pieces into a span; all allocation-free.</summary>
internal static class ResponseBuilder
{
    /// <summary>Largest UDP payload this server advertises and sends (the DNS flag day 2020 recommendation).</summary>
    public const ushort DefaultMaxUdpPayload = 1232;

    public static void WriteHeader(Span<byte> r, in ParsedQuery q, ushort flags, ResponseCode rcode, int qd, int an, int ns, int ar)
    {
        BinaryPrimitives.WriteUInt16BigEndian(r, q.Id);
        var f = (ushort)(DnsHeader.QR | (q.Flags & (DnsHeader.OpcodeMask | DnsHeader.RD | DnsHeader.CD)) | flags | ((int)rcode & 0xF));
        BinaryPrimitives.WriteUInt16BigEndian(r[2..], f);
        BinaryPrimitives.WriteUInt16BigEndian(r[4..], (ushort)qd);
        BinaryPrimitives.WriteUInt16BigEndian(r[6..], (ushort)an);
        BinaryPrimitives.WriteUInt16BigEndian(r[8..], (ushort)ns);
        BinaryPrimitives.WriteUInt16BigEndian(r[10..], (ushort)ar);
    }

    /// <summary>A header-only error response (FORMERR, NOTIMP) for a packet whose question could not be used.</summary>
    public static int WriteBareError(ReadOnlySpan<byte> query, Span<byte> r, ResponseCode rcode)
    {
        var q = new ParsedQuery
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(query),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(query[2..]),
        };
        WriteHeader(r, q, 0, rcode, 0, 0, 0, 0);
        return DnsHeader.Size;
    }

    public static int CopyQuestion(ReadOnlySpan<byte> query, Span<byte> r, in ParsedQuery q)
    {
        query[DnsHeader.Size..q.QuestionEnd].CopyTo(r[DnsHeader.Size..]);
        return q.QuestionEnd;
    }

    public static int WriteOpt(Span<byte> r, ushort payload, ResponseCode rcode, bool dnssecOk)
    {
        r[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(r[1..], (ushort)RecordType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(r[3..], payload);
        // The extended rcode's upper bits, and the query's DO bit copied (RFC 3225 §3).
        BinaryPrimitives.WriteUInt32BigEndian(r[5..], ((uint)((int)rcode >> 4) << 24) | (dnssecOk ? 0x8000u : 0u));
        BinaryPrimitives.WriteUInt16BigEndian(r[9..], 0);
        return DnsHeader.OptSize;
    }

    /// <summary>Writes the apex SOA with its pointers aimed at the apex suffix of the question name.</summary>
    public static int WriteSoa(Span<byte> r, ZoneSnapshot zone, in ParsedQuery q)
    {
        var apex = (ushort)(0xC000 | (DnsHeader.Size + q.NameWireLength - zone.ZoneWireLength));
        zone.SoaRecord.CopyTo(r);
        foreach (var offset in ZoneSnapshot.SoaPointerOffsets) BinaryPrimitives.WriteUInt16BigEndian(r[offset..], apex);
        return zone.SoaRecord.Length;
    }

    /// <summary>An A or AAAA record owned by the question name (pointer to offset 12).</summary>
    public static int WriteAddress(Span<byte> r, ReadOnlySpan<byte> address, uint ttl)
    {
        BinaryPrimitives.WriteUInt16BigEndian(r, 0xC000 | DnsHeader.Size);
        BinaryPrimitives.WriteUInt16BigEndian(r[2..], (ushort)(address.Length == 4 ? RecordType.A : RecordType.AAAA));
        BinaryPrimitives.WriteUInt16BigEndian(r[4..], DnsHeader.ClassIN);
        BinaryPrimitives.WriteUInt32BigEndian(r[6..], ttl);
        BinaryPrimitives.WriteUInt16BigEndian(r[10..], (ushort)address.Length);
        address.CopyTo(r[12..]);
        return 12 + address.Length;
    }
}
