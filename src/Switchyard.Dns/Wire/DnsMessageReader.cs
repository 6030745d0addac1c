using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Switchyard.Dns.Wire;

/// <summary>
/// Decodes a whole DNS message into a <see cref="DnsMessage"/>, expanding compressed names (pointer loops and
/// out-of-range pointers are rejected). Used for upstream answers and tests, never on the in-zone hot path.
/// </summary>
public static class DnsMessageReader
{
    public static bool TryRead(ReadOnlySpan<byte> packet, out DnsMessage message)
    {
        message = null!;
        try
        {
            message = Read(packet);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static DnsMessage Read(ReadOnlySpan<byte> p)
    {
        if (p.Length < DnsHeader.Size) throw new FormatException("shorter than a header");
        var id = BinaryPrimitives.ReadUInt16BigEndian(p);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
        var counts = new int[4];
        for (var i = 0; i < 4; i++) counts[i] = BinaryPrimitives.ReadUInt16BigEndian(p[(4 + 2 * i)..]);
        var pos = DnsHeader.Size;
        var questions = new List<DnsQuestion>();
        for (var i = 0; i < counts[0]; i++)
        {
            var name = ReadName(p, ref pos);
            Need(p, pos, 4);
            questions.Add(new DnsQuestion(name, (RecordType)BinaryPrimitives.ReadUInt16BigEndian(p[pos..]), BinaryPrimitives.ReadUInt16BigEndian(p[(pos + 2)..])));
            pos += 4;
        }
        var sections = new List<DnsRecord>[3] { [], [], [] };
        EdnsInfo? edns = null;
        for (var s = 0; s < 3; s++)
        {
            for (var i = 0; i < counts[s + 1]; i++)
            {
                var name = ReadName(p, ref pos);
                Need(p, pos, 10);
                var type = (RecordType)BinaryPrimitives.ReadUInt16BigEndian(p[pos..]);
                var cls = BinaryPrimitives.ReadUInt16BigEndian(p[(pos + 2)..]);
                var ttl = BinaryPrimitives.ReadUInt32BigEndian(p[(pos + 4)..]);
                var rdLength = BinaryPrimitives.ReadUInt16BigEndian(p[(pos + 8)..]);
                pos += 10;
                Need(p, pos, rdLength);
                if (type == RecordType.OPT)
                {
                    if (s != 2 || edns is not null) throw new FormatException("misplaced or repeated OPT");
                    edns = new EdnsInfo(cls, (byte)(ttl >> 24), (byte)(ttl >> 16), (ttl & 0x8000) != 0);
                }
                else
                {
                    sections[s].Add(new DnsRecord(name, type, ttl, ReadData(p, pos, rdLength, type), cls));
                }
                pos += rdLength;
            }
        }
        return new DnsMessage
        {
            Id = id, Flags = flags, Questions = questions, Answers = sections[0], Authority = sections[1],
            Additional = sections[2], Edns = edns,
        };
    }

    private static RecordData ReadData(ReadOnlySpan<byte> p, int pos, int length, RecordType type)
    {
        var end = pos + length;
        RecordData data;
        switch (type)
        {
            case RecordType.A when length == 4:
            case RecordType.AAAA when length == 16:
                return new AddressData(new IPAddress(p.Slice(pos, length)));
            case RecordType.CNAME or RecordType.NS or RecordType.PTR:
                data = new NameData(ReadName(p, ref pos));
                break;
            case RecordType.MX:
                Need(p, pos, 2);
                var pref = BinaryPrimitives.ReadUInt16BigEndian(p[pos..]);
                pos += 2;
                data = new MxData(pref, ReadName(p, ref pos));
                break;
            case RecordType.SRV:
                Need(p, pos, 6);
                var priority = BinaryPrimitives.ReadUInt16BigEndian(p[pos..]);
                var weight = BinaryPrimitives.ReadUInt16BigEndian(p[(pos + 2)..]);
                var port = BinaryPrimitives.ReadUInt16BigEndian(p[(pos + 4)..]);
                pos += 6;
                data = new SrvData(priority, weight, port, ReadName(p, ref pos));
                break;
            case RecordType.SOA:
                var mname = ReadName(p, ref pos);
                var rname = ReadName(p, ref pos);
                Need(p, pos, 20);
                var v = new uint[5];
                for (var i = 0; i < 5; i++) v[i] = BinaryPrimitives.ReadUInt32BigEndian(p[(pos + 4 * i)..]);
                pos += 20;
                data = new SoaData(mname, rname, v[0], v[1], v[2], v[3], v[4]);
                break;
            case RecordType.TXT:
                var strings = new List<string>();
                while (pos < end)
                {
                    int len = p[pos];
                    Need(p, pos + 1, len);
                    if (pos + 1 + len > end) throw new FormatException("TXT string overruns RDATA");
                    strings.Add(Latin1(p.Slice(pos + 1, len)));
                    pos += 1 + len;
                }
                data = new TxtData(strings);
                break;
            default:
                return new RawData(p.Slice(pos, length).ToArray());
        }
        if (pos != end) throw new FormatException($"{type} RDATA length mismatch");
        return data;
    }

    /// <summary>Reads a possibly compressed name at <paramref name="pos"/>; pointers must point strictly backwards.</summary>
    public static string ReadName(ReadOnlySpan<byte> p, ref int pos)
    {
        var sb = new StringBuilder();
        var cursor = pos;
        var jumped = false;
        var total = 0;
        while (true)
        {
            Need(p, cursor, 1);
            int len = p[cursor];
            if (len == 0)
            {
                cursor++;
                break;
            }
            if ((len & 0xC0) == 0xC0)
            {
                Need(p, cursor, 2);
                var target = ((len & 0x3F) << 8) | p[cursor + 1];
                if (target >= cursor) throw new FormatException("compression pointer does not point backwards");
                if (!jumped) pos = cursor + 2;
                jumped = true;
                cursor = target;
                continue;
            }
            if (len > 63) throw new FormatException("bad label type");
            Need(p, cursor + 1, len);
            total += len + 1;
            if (total > DnsHeader.MaxNameLength) throw new FormatException("name too long");
            if (sb.Length > 0) sb.Append('.');
            sb.Append(DnsNames.EscapeLabel(Latin1(p.Slice(cursor + 1, len))));
            cursor += 1 + len;
        }
        if (!jumped) pos = cursor;
        return sb.ToString();
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static void Need(ReadOnlySpan<byte> p, int pos, int count)
    {
        if (pos < 0 || count < 0 || pos + count > p.Length) throw new FormatException("message truncated");
    }
}
