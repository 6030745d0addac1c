namespace Switchyard.Dns.Wire;

/// <summary>A question: name (dotted, no final dot), type and class.</summary>
public sealed record DnsQuestion(string Name, RecordType Type, ushort Class = DnsHeader.ClassIN);

/// <summary>The EDNS0 pseudo-record of a message (RFC 6891).</summary>
public sealed record EdnsInfo(ushort UdpPayloadSize, byte ExtendedRcode, byte Version, bool DnssecOk);

/// <summary>A whole DNS message, decoded (slow paths and tests only; the hot path never builds one).</summary>
public sealed record DnsMessage
{
    public ushort Id { get; init; }
    public ushort Flags { get; init; }
    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];
    public IReadOnlyList<DnsRecord> Answers { get; init; } = [];
    public IReadOnlyList<DnsRecord> Authority { get; init; } = [];
    /// <summary>Additional records, without the OPT pseudo-record (see <see cref="Edns"/>).</summary>
    public IReadOnlyList<DnsRecord> Additional { get; init; } = [];
    public EdnsInfo? Edns { get; init; }

    public bool IsResponse => (Flags & DnsHeader.QR) != 0;
    public bool Authoritative => (Flags & DnsHeader.AA) != 0;
    public bool Truncated => (Flags & DnsHeader.TC) != 0;
    public bool RecursionDesired => (Flags & DnsHeader.RD) != 0;
    public bool RecursionAvailable => (Flags & DnsHeader.RA) != 0;

    /// <summary>The full response code, including the extended bits from OPT.</summary>
    public int ResponseCode => (Flags & 0xF) | ((Edns?.ExtendedRcode ?? 0) << 4);
}
