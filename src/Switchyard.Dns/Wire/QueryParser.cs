using System.Buffers.Binary;

namespace Switchyard.Dns.Wire;

/// <summary>
/// Reads a query packet without allocating: the header, the one question (its name lowercased into a caller buffer
/// as dotted text for lookup) and an EDNS OPT record in the additional section. Everything is bounds-checked; a
/// malformed packet yields <see cref="ParseStatus.FormErr"/>, never an exception.
/// </summary>
internal static class QueryParser
{
    /// <summary>Characters a key buffer needs for any legal name.</summary>
    public const int KeyBufferSize = DnsHeader.MaxNameLength;

    /// <summary>Stands in for a '.' inside a label so that it can never match a name we serve.</summary>
    public const char EscapedDot = '\0';

    public static ParseStatus Parse(ReadOnlySpan<byte> packet, Span<char> key, out ParsedQuery query)
    {
        query = default;
        if (packet.Length < DnsHeader.Size) return ParseStatus.Drop;
        query.Id = BinaryPrimitives.ReadUInt16BigEndian(packet);
        query.Flags = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if ((query.Flags & DnsHeader.QR) != 0) return ParseStatus.Drop;
        if (query.Opcode != 0) return ParseStatus.NotImp;

        var qdCount = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var anCount = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        var nsCount = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        var arCount = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        if (qdCount != 1) return ParseStatus.FormErr;

        var pos = DnsHeader.Size;
        if (!ReadQuestionName(packet, ref pos, key, ref query)) return ParseStatus.FormErr;
        if (pos + 4 > packet.Length) return ParseStatus.FormErr;
        query.QType = (RecordType)BinaryPrimitives.ReadUInt16BigEndian(packet[pos..]);
        query.QClass = BinaryPrimitives.ReadUInt16BigEndian(packet[(pos + 2)..]);
        pos += 4;
        query.QuestionEnd = pos;

        for (var i = 0; i < anCount + nsCount; i++)
        {
            if (!SkipRecord(packet, ref pos, out _, out _, out _)) return ParseStatus.FormErr;
        }
        for (var i = 0; i < arCount; i++)
        {
            var start = pos;
            if (!SkipRecord(packet, ref pos, out var type, out var rdStart, out var ttl)) return ParseStatus.FormErr;
            if (type != RecordType.OPT) continue;
            // RFC 6891 §6.1.1: one OPT at most, owned by the root.
            if (query.HasEdns || packet[start] != 0) return ParseStatus.FormErr;
            query.HasEdns = true;
            query.UdpPayloadSize = BinaryPrimitives.ReadUInt16BigEndian(packet[(start + 3)..]);
            query.EdnsVersion = (byte)(ttl >> 16);
            query.DnssecOk = (ttl & 0x8000) != 0;
            _ = rdStart;
        }
        return ParseStatus.Ok;
    }

    private static bool ReadQuestionName(ReadOnlySpan<byte> packet, ref int pos, Span<char> key, ref ParsedQuery query)
    {
        var start = pos;
        var k = 0;
        var labels = 0;
        while (true)
        {
            if (pos >= packet.Length) return false;
            int len = packet[pos];
            if (len == 0)
            {
                pos++;
                break;
            }
            // Compression in the question could only point backwards into the header: not a legal query.
            if (len > 63) return false;
            if (pos + 1 + len > packet.Length) return false;
            if (pos + 1 + len - start + 1 > DnsHeader.MaxNameLength) return false;
            if (labels > 0) key[k++] = '.';
            var label = packet.Slice(pos + 1, len);
            for (var i = 0; i < label.Length; i++)
            {
                var b = label[i];
                key[k++] = b switch
                {
                    >= (byte)'A' and <= (byte)'Z' => (char)(b | 0x20),
                    (byte)'.' => EscapedDot,
                    _ => (char)b,
                };
            }
            labels++;
            pos += 1 + len;
        }
        query.NameWireLength = pos - start;
        query.KeyLength = k;
        query.LabelCount = labels;
        return true;
    }

    /// <summary>Skips one resource record (owner names may be compressed), bounds-checked.</summary>
    internal static bool SkipRecord(ReadOnlySpan<byte> packet, ref int pos, out RecordType type, out int rdataStart, out uint ttl)
    {
        type = 0;
        rdataStart = 0;
        ttl = 0;
        if (!SkipName(packet, ref pos)) return false;
        if (pos + 10 > packet.Length) return false;
        type = (RecordType)BinaryPrimitives.ReadUInt16BigEndian(packet[pos..]);
        ttl = BinaryPrimitives.ReadUInt32BigEndian(packet[(pos + 4)..]);
        var rdLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(pos + 8)..]);
        pos += 10;
        rdataStart = pos;
        if (pos + rdLength > packet.Length) return false;
        pos += rdLength;
        return true;
    }

    internal static bool SkipName(ReadOnlySpan<byte> packet, ref int pos)
    {
        var total = 0;
        while (true)
        {
            if (pos >= packet.Length) return false;
            int len = packet[pos];
            if (len == 0)
            {
                pos++;
                return true;
            }
            if ((len & 0xC0) == 0xC0)
            {
                if (pos + 2 > packet.Length) return false;
                pos += 2;
                return true;
            }
            if (len > 63) return false;
            total += len + 1;
            if (total > DnsHeader.MaxNameLength) return false;
            pos += 1 + len;
        }
    }
}
