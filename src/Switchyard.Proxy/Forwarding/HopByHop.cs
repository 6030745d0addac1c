using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Switchyard.Proxy.Forwarding;

/// <summary>Hop-by-hop header hygiene (RFC 9110 §7.6.1): these fields describe one connection and are never forwarded.</summary>
internal static class HopByHop
{
    private static readonly FrozenSet<string> Names = new[]
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade", "Trailer", "Proxy-Authenticate", "Proxy-Authorization",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static bool Is(string name) => Names.Contains(name);

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
    /// Takes <paramref name="names"/> out of the request's Connection header: headers the proxy sets (an identity, a
    /// client certificate, X-Forwarded-*) are its own, and a client naming them in Connection must not get them dropped
    /// on the way to the backend, as it could when a backend trusts their presence (Apache's CVE-2022-31813). Costs one
    /// scan of Connection, and nothing more unless it names more than keep-alive/close/upgrade.
    /// </summary>
    public static void Unlist(IHeaderDictionary headers, IReadOnlyList<string> names)
    {
        var connection = headers.Connection;
        if (names.Count == 0 || !HasExtraTokens(connection)) return;
        var kept = new List<string>();
        var changed = false;
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan(range).Trim();
                if (token.IsEmpty) continue;
                var named = false;
                foreach (var name in names) named |= token.Equals(name, StringComparison.OrdinalIgnoreCase);
                if (named) changed = true;
                else kept.Add(token.ToString());
            }
        }
        if (!changed) return;
        if (kept.Count == 0) headers.Remove("Connection");
        else headers.Connection = string.Join(", ", kept);
    }

    /// <summary>True when a Connection value says more than keep-alive/close/upgrade (so per-name checks are needed).</summary>
    public static bool HasExtraTokens(StringValues connection)
    {
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                var token = value.AsSpan(range).Trim();
                if (!token.IsEmpty && !token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) && !token.Equals("close", StringComparison.OrdinalIgnoreCase)
                    && !token.Equals("upgrade", StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }
}
