using System.Globalization;
using System.Net;

namespace Switchyard.Dns;

/// <summary>Parses the addresses users type: <c>HOST:PORT</c>, <c>IP</c> (default port), <c>[v6]:PORT</c>.</summary>
public static class DnsEndpoints
{
    public static bool TryParse(string text, int defaultPort, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        var t = text.Trim();
        if (string.Equals(t, "localhost", StringComparison.OrdinalIgnoreCase)) t = "127.0.0.1";
        if (t.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase)) t = "127.0.0.1" + t[9..];
        if (IPAddress.TryParse(t, out var bare) && !t.Contains(']', StringComparison.Ordinal) && (bare.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || !t.Contains(':', StringComparison.Ordinal)))
        {
            endpoint = new IPEndPoint(bare, defaultPort);
            return true;
        }
        if (IPEndPoint.TryParse(t, out var parsed) && parsed.Port is >= 0 and <= 65535 && (t.Contains(']', StringComparison.Ordinal) || !t.StartsWith('[')))
        {
            endpoint = parsed;
            return true;
        }
        error = $"\"{text}\" is not an address: use IP, IP:PORT or [IPv6]:PORT (for example 127.0.0.1:{defaultPort.ToString(CultureInfo.InvariantCulture)})";
        return false;
    }
}
