using Microsoft.Extensions.Primitives;
using Switchyard.Model.Networking;

namespace Switchyard.Proxy.ClientIp;

/// <summary>
/// Listener layer: the client's address behind trusted proxies, read from X-Forwarded-For in one of the two modes of
/// <see cref="ClientIpDetection"/>; the caller has checked that the connection's peer is trusted. The walk goes over
/// every X-Forwarded-For line of the request, as one comma-separated list (lines in order received), from the right.
/// Empty elements are ignored (RFC 9110 list syntax: they are not elements, so they count as no hop either). An element
/// that is not an address (<c>unknown</c>, a name, garbage) stops the walk: the client is the last address read before
/// it (the peer when it is the rightmost), since past a broken entry the chain cannot be followed.
/// <list type="bullet">
/// <item>By trusted CIDRs, as nginx's realip module with <c>real_ip_recursive on</c>: each address that is trusted is
/// skipped; the first that is not is the client. If every address is trusted, the leftmost is the client.</item>
/// <item>By N trusted hops, as Envoy's <c>xff_num_trusted_hops</c> with <c>use_remote_address</c> (what Envoy Gateway's
/// <c>numTrustedHops</c> sets): the Nth address from the right is the client (each of the N proxies in front appended the
/// address it received the request from; the peer is the last of them). A header of fewer than N addresses names no
/// client: the client is the peer, as Envoy falls back to the connection's address.</item>
/// </list>
/// An element is an IPv4 address, an IPv6 address, either with a port (<c>192.0.2.1:4711</c>,
/// <c>[2001:db8::1]:4711</c>, as some load balancers write them; the port is dropped) or a bracketed IPv6 address;
/// IPv4 as four decimal octets without leading zeros, IPv6 without a zone. Never allocates.
/// </summary>
internal static class ForwardedFor
{
    public const string Header = "X-Forwarded-For";

    /// <summary>
    /// The client <paramref name="lines"/> name behind <paramref name="peer"/> (itself trusted): by the CIDRs in
    /// <paramref name="trusted"/> when it is set, else by <paramref name="hops"/> trusted hops; <paramref name="peer"/> when they name none.
    /// </summary>
    public static NetAddress ClientOf(StringValues lines, TrustedCidrs? trusted, int hops, NetAddress peer)
    {
        var client = peer;
        var read = 0;
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            var line = (lines[i] ?? "").AsSpan();
            while (true)
            {
                var comma = line.LastIndexOf(',');
                var element = (comma < 0 ? line : line[(comma + 1)..]).Trim(" \t");
                if (element.Length > 0)
                {
                    // A malformed element stops the walk: in CIDR mode at the last address read, in hop mode (as Envoy,
                    // whose Nth piece does not parse) at the peer.
                    if (!TryParseElement(element, out var address)) return trusted is null ? peer : client;
                    client = address;
                    read++;
                    if (trusted is null ? read == hops : !trusted.Contains(address)) return client;
                }
                if (comma < 0) break;
                line = line[..comma];
            }
        }
        return trusted is null ? peer : client;
    }

    /// <summary>One X-Forwarded-For element: an address, with or without a port, IPv6 possibly in brackets; IPv4-mapped IPv6 as IPv4.</summary>
    public static bool TryParseElement(ReadOnlySpan<char> text, out NetAddress address)
    {
        address = default;
        ReadOnlySpan<char> host;
        if (text.Length > 0 && text[0] == '[')
        {
            var close = text.IndexOf(']');
            if (close < 0) return false;
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && (rest[0] != ':' || !IsPort(rest[1..]))) return false;
            if (!host.Contains(':')) return false; // brackets hold an IPv6 address only
        }
        else
        {
            var colon = text.IndexOf(':');
            if (colon >= 0 && colon == text.LastIndexOf(':'))
            {
                host = text[..colon]; // IPv4:port (an IPv6 address has at least two colons)
                if (!IsPort(text[(colon + 1)..])) return false;
            }
            else host = text;
        }
        if (!NetAddress.TryParse(host, out address)) return false;
        address = address.Unmap();
        return true;
    }

    private static bool IsPort(ReadOnlySpan<char> text)
    {
        if (text.Length is 0 or > 5 || (text.Length > 1 && text[0] == '0')) return false;
        var value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (c - '0');
        }
        return value <= 65535;
    }
}
