using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Switchyard.Proxy.Forwarding;

/// <summary>Hop-by-hop header hygiene (RFC 9110 §7.6.1): these fields describe one connection and are never forwarded.</summary>
internal static class HopByHop
{
    /// <summary>
    /// Connection, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Trailer, Proxy-Authenticate,
    /// Proxy-Authorization, and HTTP2-Settings (RFC 7540 §3.2.1: it belongs to the h2c upgrade of one connection; Kestrel
    /// drops it from Connection before the proxy reads that).
    /// </summary>
    public static bool Is(string name) => name.Length switch
    {
        2 => name.Equals("TE", StringComparison.OrdinalIgnoreCase),
        7 => name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) || name.Equals("Trailer", StringComparison.OrdinalIgnoreCase),
        10 => name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase),
        14 => name.Equals("HTTP2-Settings", StringComparison.OrdinalIgnoreCase),
        16 => name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase),
        17 => name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase),
        18 => name.Equals("Proxy-Authenticate", StringComparison.OrdinalIgnoreCase),
        19 => name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary><see cref="Is(string)"/> for a field name as received (ASCII bytes).</summary>
    public static bool Is(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => Ascii.EqualsIgnoreCase(name, "TE"u8),
        7 => Ascii.EqualsIgnoreCase(name, "Upgrade"u8) || Ascii.EqualsIgnoreCase(name, "Trailer"u8),
        10 => Ascii.EqualsIgnoreCase(name, "Connection"u8) || Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8),
        14 => Ascii.EqualsIgnoreCase(name, "HTTP2-Settings"u8),
        16 => Ascii.EqualsIgnoreCase(name, "Proxy-Connection"u8),
        17 => Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8),
        18 => Ascii.EqualsIgnoreCase(name, "Proxy-Authenticate"u8),
        19 => Ascii.EqualsIgnoreCase(name, "Proxy-Authorization"u8),
        _ => false,
    };

    /// <summary>True when <paramref name="name"/> is listed in a Connection header value (also hop-by-hop).</summary>
    public static bool ListedIn(StringValues connection, string name)
    {
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan(range).Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Consumes the request's connection options once, on arrival (RFC 9110 §7.6.1: an intermediary removes the fields
    /// its Connection names before forwarding): each field named is removed, and Connection keeps only keep-alive,
    /// close and upgrade. From then on the request carries end-to-end fields only, so a field the gateway sets later
    /// (X-Forwarded-*, an identity, a client certificate, a filter's header) reaches the backend whatever the client
    /// named, which matters when a backend trusts their presence (Apache's CVE-2022-31813), and no forwarder checks
    /// Connection field by field. Host and Content-Length stay: they route and frame the request, and the forwarders
    /// write their own. Costs one scan of Connection when it names nothing else.
    /// </summary>
    public static void ConsumeConnectionOptions(IHeaderDictionary headers)
    {
        var connection = headers.Connection;
        if (!HasExtraTokens(connection)) return;
        string? kept = null;
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan(range).Trim();
                if (token.IsEmpty) continue;
                if (IsConnectionKeyword(token)) kept = kept is null ? token.ToString() : $"{kept}, {token}";
                else if (!token.Equals("Host", StringComparison.OrdinalIgnoreCase) && !token.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    headers.Remove(token.ToString());
            }
        }
        if (kept is null) headers.Remove("Connection");
        else headers.Connection = kept;
    }

    private static bool IsConnectionKeyword(ReadOnlySpan<char> token) =>
        token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) || token.Equals("close", StringComparison.OrdinalIgnoreCase)
        || token.Equals("upgrade", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when a Connection value says more than keep-alive/close/upgrade (so per-name checks are needed).</summary>
    public static bool HasExtraTokens(StringValues connection)
    {
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan(range).Trim();
                if (!token.IsEmpty && !IsConnectionKeyword(token)) return true;
            }
        }
        return false;
    }
}
