namespace Switchyard.Dns.Wire;

/// <summary>What the parser decided about a packet.</summary>
internal enum ParseStatus
{
    /// <summary>A well-formed standard query.</summary>
    Ok,
    /// <summary>Not worth an answer (shorter than a header, or a response): dropped silently.</summary>
    Drop,
    /// <summary>Malformed: answer FORMERR.</summary>
    FormErr,
    /// <summary>An opcode other than QUERY: answer NOTIMP.</summary>
    NotImp,
}

/// <summary>
/// A query's header fields and question, parsed in place (no allocation). The question name itself stays in the
/// packet (<see cref="QuestionEnd"/> marks its end) and in the caller's key buffer as lowercase dotted text.
/// </summary>
internal struct ParsedQuery
{
    public ushort Id;
    public ushort Flags;
    /// <summary>Bytes of the question name on the wire, terminating zero included.</summary>
    public int NameWireLength;
    public RecordType QType;
    public ushort QClass;
    /// <summary>Offset just past the question section.</summary>
    public int QuestionEnd;
    /// <summary>Characters written to the key buffer ("" for the root).</summary>
    public int KeyLength;
    /// <summary>Number of labels in the name.</summary>
    public int LabelCount;
    public bool HasEdns;
    public ushort UdpPayloadSize;
    public byte EdnsVersion;
    public bool DnssecOk;

    public readonly bool RecursionDesired => (Flags & DnsHeader.RD) != 0;
    public readonly bool CheckingDisabled => (Flags & DnsHeader.CD) != 0;
    public readonly int Opcode => (Flags & DnsHeader.OpcodeMask) >> DnsHeader.OpcodeShift;
}
