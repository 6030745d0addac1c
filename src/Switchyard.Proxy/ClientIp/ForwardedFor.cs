using Microsoft.Extensions.Primitives;
using Switchyard.Model.Networking;

namespace Switchyard.Proxy.ClientIp;

/// <summary>
/// Listener layer: the client's address behind trusted proxies, read from X-Forwarded-For as nginx's realip module
/// reads it with <c>real_ip_recursive on</c>. The caller has checked that the connection's peer is trusted. The walk
/// goes over every X-Forwarded-For line of the request, as one comma-separated list (lines in order received), from
/// the right: each address that is trusted is skipped; the first that is not is the client. If every address is
/// trusted, the leftmost is the client. Empty elements are ignored (RFC 9110 list syntax). An element that is not an
/// address (<c>unknown</c>, a name, garbage) stops the walk: the client is the last address read before it (the
/// peer when it is the rightmost), since past a broken entry the chain cannot be followed. An element is an IPv4 address, an IPv6 address, either with a port (<c>192.0.2.1:4711</c>,
/// <c>[2001:db8::1]:4711</c>, as some load balancers write them; the port is dropped) or a bracketed IPv6 address;
/// IPv4 as four decimal octets without leading zeros, IPv6 without a zone. Never allocates.
/// </summary>
internal static class ForwardedFor
{
    public const string Header = "X-Forwarded-For";

    /// <summary>The client <paramref name="lines"/> name behind <paramref name="peer"/> (itself trusted); <paramref name="peer"/> when they name none.</summary>
    public static NetAddress ClientOf(StringValues lines, TrustedCidrs trusted, NetAddress peer)
    {
        var client = peer;
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            var line = (lines[i] ?? "").AsSpan();
            while (true)
            {
                var comma = line.LastIndexOf(',');
                var element = (comma < 0 ? line : line[(comma + 1)..]).Trim(" \t");
                if (element.Length > 0)
                {
                    if (!TryParseElement(element, out var address)) return client;
                    client = address;
                    if (!trusted.Contains(address)) return client;
                }
                if (comma < 0) break;
                line = line[..comma];
            }
        }
        return client;
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
