namespace Switchyard.Dns.Wire;

/// <summary>Resource record types Switchyard reads or writes (RFC 1035, 3596, 2782, 6891).</summary>
public enum RecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
}

/// <summary>Response codes (RFC 1035 §4.1.1, RFC 6891 for the extended BADVERS).</summary>
public enum ResponseCode : byte
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    /// <summary>Extended code 16, carried in the OPT record's upper rcode bits.</summary>
    BadVers = 16,
}

/// <summary>Header bit masks and fixed sizes.</summary>
internal static class DnsHeader
{
    public const int Size = 12;
    public const ushort QR = 0x8000;
    public const ushort AA = 0x0400;
    public const ushort TC = 0x0200;
    public const ushort RD = 0x0100;
    public const ushort RA = 0x0080;
    public const ushort AD = 0x0020;
    public const ushort CD = 0x0010;
    public const int OpcodeShift = 11;
    public const ushort OpcodeMask = 0x7800;
    public const ushort ClassIN = 1;
    /// <summary>Largest UDP answer without EDNS (RFC 1035).</summary>
    public const int ClassicUdpSize = 512;
    /// <summary>Size of an OPT record with no options.</summary>
    public const int OptSize = 11;
    public const int MaxNameLength = 255;
}
