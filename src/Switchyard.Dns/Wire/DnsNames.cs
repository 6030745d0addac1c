using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Dns.Wire;

/// <summary>Helpers for domain names as dotted text (no final dot, '\' escapes a '.' or '\' inside a label).</summary>
public static class DnsNames
{
    /// <summary>Splits a dotted name into labels, honoring '\' escapes. The root ("" or ".") has no labels.</summary>
    public static List<string> Labels(string name)
    {
        var labels = new List<string>();
        if (name.Length == 0 || name == ".") return labels;
        var sb = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '\\' && i + 1 < name.Length)
            {
                sb.Append(name[++i]);
            }
            else if (c == '.')
            {
                labels.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }
        if (sb.Length > 0) labels.Add(sb.ToString());
        return labels;
    }

    /// <summary>Escapes a raw label for dotted text.</summary>
    public static string EscapeLabel(string label) =>
        label.Contains('.', StringComparison.Ordinal) || label.Contains('\\', StringComparison.Ordinal)
            ? label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(".", "\\.", StringComparison.Ordinal)
            : label;

    /// <summary>Lowercases ASCII letters only (DNS case-insensitivity is ASCII-only, RFC 4343).</summary>
    public static string Lower(string name)
    {
        var needs = false;
        foreach (var c in name)
        {
            if (c is >= 'A' and <= 'Z')
            {
                needs = true;
                break;
            }
        }
        if (!needs) return name;
        return string.Create(name.Length, name, static (span, n) =>
        {
            for (var i = 0; i < n.Length; i++) span[i] = n[i] is >= 'A' and <= 'Z' ? (char)(n[i] | 0x20) : n[i];
        });
    }

    /// <summary>The reverse-lookup name of an address: "4.3.2.1.in-addr.arpa" or the nibble form under ip6.arpa.</summary>
    public static string ReverseName(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var sb = new StringBuilder();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = 3; i >= 0; i--) sb.Append(bytes[i]).Append('.');
            return sb.Append("in-addr.arpa").ToString();
        }
        const string hex = "0123456789abcdef";
        for (var i = 15; i >= 0; i--)
        {
            sb.Append(hex[bytes[i] & 0xF]).Append('.').Append(hex[bytes[i] >> 4]).Append('.');
        }
        return sb.Append("ip6.arpa").ToString();
    }

    /// <summary>The dashed form of an address used in pod names: 10-1-2-3, fd00--1.</summary>
    public static string Dashed(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork
            ? address.ToString().Replace('.', '-')
            : address.ToString().Replace(':', '-');

    /// <summary>True when <paramref name="name"/> equals <paramref name="zone"/> or is below it (both lowercase).</summary>
    public static bool IsInZone(ReadOnlySpan<char> name, ReadOnlySpan<char> zone)
    {
        if (zone.Length == 0) return true;
        if (!name.EndsWith(zone, StringComparison.Ordinal)) return false;
        return name.Length == zone.Length || name[name.Length - zone.Length - 1] == '.';
    }

    /// <summary>Length of the name on the wire, terminating zero included.</summary>
    public static int WireLength(string name) => name.Length == 0 ? 1 : Labels(name).Sum(l => l.Length + 1) + 1;
}
