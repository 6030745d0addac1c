using System.Buffers.Binary;
using System.Net.Sockets;

namespace Switchyard.Dns.Wire;

/// <summary>
/// Builds a DNS message with name compression (RFC 1035 §4.1.4). Used where allocation is acceptable: encoding zone
/// answers once per snapshot, relaying upstream answers, tests. Section counts are patched into the header as
/// records are added, so the sections must be written in order: question, answer, authority, additional.
/// </summary>
public sealed class DnsMessageWriter
{
    private byte[] _buffer;
    private readonly Dictionary<string, int> _compression = new(StringComparer.Ordinal);

    public DnsMessageWriter(int capacity = 512)
    {
        _buffer = new byte[Math.Max(capacity, DnsHeader.Size)];
        Length = DnsHeader.Size;
    }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public byte[] ToArray() => Written.ToArray();

    public void WriteHeader(ushort id, ushort flags)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer, id);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(2), flags);
    }

    public ushort Flags
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(2));
        set => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(2), value);
    }

    public void WriteQuestion(DnsQuestion question)
    {
        WriteName(question.Name);
        WriteUInt16((ushort)question.Type);
        WriteUInt16(question.Class);
        Increment(4);
    }

    public void WriteAnswer(DnsRecord record)
    {
        WriteRecord(record);
        Increment(6);
    }

    public void WriteAuthority(DnsRecord record)
    {
        WriteRecord(record);
        Increment(8);
    }

    public void WriteAdditional(DnsRecord record)
    {
        WriteRecord(record);
        Increment(10);
    }

    /// <summary>Appends an OPT pseudo-record to the additional section.</summary>
    public void WriteOpt(ushort udpPayloadSize, byte extendedRcode = 0, bool dnssecOk = false)
    {
        Ensure(DnsHeader.OptSize);
        _buffer[Length++] = 0;
        WriteUInt16((ushort)RecordType.OPT);
        WriteUInt16(udpPayloadSize);
        WriteUInt32(((uint)extendedRcode << 24) | (dnssecOk ? 0x8000u : 0u));
        WriteUInt16(0);
        Increment(10);
    }

    private void WriteRecord(DnsRecord record)
    {
        WriteName(record.Name);
        WriteUInt16((ushort)record.Type);
        WriteUInt16(record.Class);
        WriteUInt32(record.Ttl);
        var lengthAt = Length;
        WriteUInt16(0);
        var start = Length;
        switch (record.Data)
        {
            case AddressData a:
                var bytes = a.Address.GetAddressBytes();
                if ((record.Type == RecordType.A) != (a.Address.AddressFamily == AddressFamily.InterNetwork))
                    throw new ArgumentException($"{record.Type} record {record.Name} holds {a.Address}", nameof(record));
                WriteBytes(bytes);
                break;
            case NameData n:
                WriteName(n.Target);
                break;
            case SrvData s:
                WriteUInt16(s.Priority);
                WriteUInt16(s.Weight);
                WriteUInt16(s.Port);
                WriteName(s.Target, compress: false); // RFC 2782: the target is not compressed
                break;
            case MxData m:
                WriteUInt16(m.Preference);
                WriteName(m.Exchange);
                break;
            case TxtData t:
                foreach (var s in t.Strings)
                {
                    if (s.Length > 255) throw new ArgumentException("TXT string longer than 255 bytes", nameof(record));
                    Ensure(1 + s.Length);
                    _buffer[Length++] = (byte)s.Length;
                    foreach (var c in s) _buffer[Length++] = (byte)c;
                }
                break;
            case SoaData soa:
                WriteName(soa.PrimaryServer);
                WriteName(soa.Mailbox);
                WriteUInt32(soa.Serial);
                WriteUInt32(soa.Refresh);
                WriteUInt32(soa.Retry);
                WriteUInt32(soa.Expire);
                WriteUInt32(soa.Minimum);
                break;
            case RawData r:
                WriteBytes(r.Bytes);
                break;
            default:
                throw new ArgumentException($"unsupported record data {record.Data.GetType().Name}", nameof(record));
        }
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(lengthAt), (ushort)(Length - start));
    }

    /// <summary>Writes a name, reusing (and remembering) suffixes already in the message.</summary>
    public void WriteName(string name, bool compress = true)
    {
        var labels = DnsNames.Labels(name);
        if (labels.Sum(l => l.Length + 1) + 1 > DnsHeader.MaxNameLength) throw new ArgumentException($"name too long: {name}", nameof(name));
        for (var i = 0; i < labels.Count; i++)
        {
            var suffix = SuffixKey(labels, i);
            if (compress && _compression.TryGetValue(suffix, out var pointer))
            {
                WriteUInt16((ushort)(0xC000 | pointer));
                return;
            }
            if (Length < 0x3FFF) _compression.TryAdd(suffix, Length);
            var label = labels[i];
            if (label.Length is 0 or > 63) throw new ArgumentException($"bad label in name: {name}", nameof(name));
            Ensure(1 + label.Length);
            _buffer[Length++] = (byte)label.Length;
            foreach (var c in label) _buffer[Length++] = (byte)c;
        }
        Ensure(1);
        _buffer[Length++] = 0;
    }

    private static string SuffixKey(List<string> labels, int from)
    {
        var parts = new string[labels.Count - from];
        for (var i = from; i < labels.Count; i++) parts[i - from] = DnsNames.EscapeLabel(DnsNames.Lower(labels[i]));
        return string.Join('.', parts);
    }

    private void Increment(int countOffset)
    {
        var value = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(countOffset));
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(countOffset), (ushort)(value + 1));
    }

    public void WriteUInt16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(Length), value);
        Length += 2;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(Length), value);
        Length += 4;
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    private void Ensure(int more)
    {
        if (Length + more <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
    }
}
