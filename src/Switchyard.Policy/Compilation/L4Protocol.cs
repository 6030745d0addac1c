namespace Switchyard.Policy.Compilation;

/// <summary>The transport protocols a NetworkPolicy port can name. The API's default is TCP.</summary>
public enum L4Protocol : byte
{
    TCP,
    UDP,
    SCTP,
}

public static class L4Protocols
{
    /// <summary>Parses "TCP", "UDP" or "SCTP" (case-insensitively); null or empty is TCP, as the API defaults it.</summary>
    public static bool TryParse(string? text, out L4Protocol protocol)
    {
        protocol = L4Protocol.TCP;
        if (string.IsNullOrEmpty(text)) return true;
        switch (text.ToUpperInvariant())
        {
            case "TCP": protocol = L4Protocol.TCP; return true;
            case "UDP": protocol = L4Protocol.UDP; return true;
            case "SCTP": protocol = L4Protocol.SCTP; return true;
            default: return false;
        }
    }

    public static string Name(this L4Protocol protocol) => protocol switch
    {
        L4Protocol.UDP => "UDP",
        L4Protocol.SCTP => "SCTP",
        _ => "TCP",
    };
}

/// <summary>The direction a policy rule governs, seen from the selected pod.</summary>
public enum PolicyDirection : byte
{
    Ingress,
    Egress,
}
