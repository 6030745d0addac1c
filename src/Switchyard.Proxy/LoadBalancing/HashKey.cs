using Microsoft.AspNetCore.Http;

namespace Switchyard.Proxy.LoadBalancing;

/// <summary>
/// What consistent hashing hashes: a request header, a cookie, or the client's IP address (the request's remote
/// address: the PROXY header's source, or the client a trusted X-Forwarded-For names, as <see cref="Auth.ClientAddress"/>).
/// </summary>
internal sealed record HashKey(HashKeySource Source, string Name)
{
    public static readonly HashKey SourceIp = new(HashKeySource.SourceIp, "");

    /// <summary>Parses "header:NAME", "cookie:NAME" or "source-ip"; null with <paramref name="error"/> otherwise.</summary>
    public static HashKey? Parse(string text, out string? error)
    {
        error = null;
        if (text == "source-ip") return SourceIp;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon < text.Length - 1)
        {
            var name = text[(colon + 1)..];
            switch (text[..colon])
            {
                case "header": return new HashKey(HashKeySource.Header, name);
                case "cookie": return new HashKey(HashKeySource.Cookie, name);
            }
        }
        error = $"'{text}' is not a hash key; use header:NAME, cookie:NAME or source-ip";
        return null;
    }

    /// <summary>The 64-bit hash of this request's key, or null when the request has no such key.</summary>
    public ulong? Of(HttpContext context)
    {
        switch (Source)
        {
            case HashKeySource.Header:
                var header = context.Request.Headers[Name];
                return header.Count == 0 ? null : Hashing.Fnv1a(header.ToString());
            case HashKeySource.Cookie:
                return context.Request.Cookies.TryGetValue(Name, out var cookie) && cookie is not null ? Hashing.Fnv1a(cookie) : null;
            default:
                var ip = context.Connection.RemoteIpAddress;
                if (ip is null) return null;
                Span<byte> bytes = stackalloc byte[16];
                return ip.TryWriteBytes(bytes, out var written) ? Hashing.Fnv1a(bytes[..written]) : null;
        }
    }
}

internal enum HashKeySource
{
    Header,
    Cookie,
    SourceIp,
}

/// <summary>Stable 64-bit hashing (FNV-1a with a final avalanche mix), the same in every process.</summary>
internal static class Hashing
{
    public static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var h = 14695981039346656037UL;
        foreach (var b in bytes) h = (h ^ b) * 1099511628211UL;
        return Mix(h);
    }

    public static ulong Fnv1a(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h = (h ^ (byte)c) * 1099511628211UL;
            h = (h ^ (byte)(c >> 8)) * 1099511628211UL;
        }
        return Mix(h);
    }

    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
