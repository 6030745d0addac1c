using System.Net;

namespace Switchyard.Dns.Wire;

/// <summary>
/// One resource record in presentation-level form, used where allocation does not matter: building zone snapshots,
/// relaying upstream answers, tests. Names are dotted text without the final dot; a '.' or '\' inside a label is
/// escaped with '\'.
/// </summary>
public sealed record DnsRecord(string Name, RecordType Type, uint Ttl, RecordData Data, ushort Class = DnsHeader.ClassIN)
{
    public override string ToString() => $"{(Name.Length == 0 ? "." : Name + ".")} {Ttl} IN {TypeName(Type)} {Data}";

    public static string TypeName(RecordType type) => Enum.IsDefined(type) ? type.ToString() : $"TYPE{(ushort)type}";
}

/// <summary>The RDATA of a record.</summary>
public abstract record RecordData;

/// <summary>A or AAAA.</summary>
public sealed record AddressData(IPAddress Address) : RecordData
{
    public override string ToString() => Address.ToString();
}

/// <summary>CNAME, NS or PTR: a single domain name.</summary>
public sealed record NameData(string Target) : RecordData
{
    public override string ToString() => Target + ".";
}

public sealed record SrvData(ushort Priority, ushort Weight, ushort Port, string Target) : RecordData
{
    public override string ToString() => $"{Priority} {Weight} {Port} {Target}.";
}

public sealed record MxData(ushort Preference, string Exchange) : RecordData
{
    public override string ToString() => $"{Preference} {Exchange}.";
}

public sealed record TxtData(IReadOnlyList<string> Strings) : RecordData
{
    public override string ToString() => string.Join(' ', Strings.Select(s => $"\"{s}\""));
}

public sealed record SoaData(string PrimaryServer, string Mailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : RecordData
{
    public override string ToString() => $"{PrimaryServer}. {Mailbox}. {Serial} {Refresh} {Retry} {Expire} {Minimum}";
}

/// <summary>RDATA of a type we do not interpret, copied as is (it contains no compressed names by RFC 3597).</summary>
public sealed record RawData(byte[] Bytes) : RecordData
{
    public override string ToString() => $"\\# {Bytes.Length} {Convert.ToHexString(Bytes)}";
}
