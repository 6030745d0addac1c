using System.Net;

namespace Switchyard.Proxy.ProxyProtocol;

/// <summary>The versions of HAProxy's PROXY protocol (doc/proxy-protocol.txt): the text line of version 1 and the binary header of version 2.</summary>
internal enum ProxyProtocolVersion
{
    /// <summary>No PROXY header.</summary>
    None,

    /// <summary>Version 1: one line of text, <c>PROXY TCP4 src dst sport dport\r\n</c>, at most 107 bytes.</summary>
    V1,

    /// <summary>Version 2: a 16-byte binary header with a length, then the addresses and TLVs.</summary>
    V2,
}

/// <summary>What reading the start of a connection as a PROXY protocol header found.</summary>
internal enum ProxyHeaderStatus
{
    /// <summary>The bytes so far are a valid start of a header; more are needed.</summary>
    Incomplete,

    /// <summary>A complete header; <see cref="ProxyHeader.Length"/> bytes of the connection are its.</summary>
    Complete,

    /// <summary>Not a PROXY protocol header, or a malformed one.</summary>
    Invalid,
}

/// <summary>
/// A PROXY protocol header as received. <see cref="Source"/> and <see cref="Destination"/> are the addresses of the
/// connection the sender accepted (the client's, and the one the client connected to); both null when the header
/// carries none the receiver may use (v1 <c>UNKNOWN</c>, v2 <c>LOCAL</c>, v2 <c>AF_UNSPEC</c> or <c>AF_UNIX</c>), in
/// which case the connection keeps its real addresses.
/// </summary>
internal sealed record ProxyHeader(ProxyProtocolVersion Version, int Length, IPEndPoint? Source, IPEndPoint? Destination)
{
    /// <summary>True for a v2 LOCAL header (a health check from the proxy itself).</summary>
    public bool Local { get; init; }
}
