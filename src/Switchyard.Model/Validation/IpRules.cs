using System.Net;
using System.Net.Sockets;

namespace Switchyard.Model.Validation;

/// <summary>
/// IP address and CIDR checks as the Kubernetes API applies them to new objects: IPv4 in dotted
/// decimal with no leading zeros, IPv6 without zones, CIDRs with no host bits set.
/// </summary>
public static class IpRules
{
    public const string IpMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
    public const string CidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    /// <summary>Parses a strictly formatted IP address; null when it is not one.</summary>
    public static IPAddress? ParseIp(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Contains('%', StringComparison.Ordinal)) return null;
        if (value.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : null;
        }
        var parts = value.Split('.');
        if (parts.Length != 4) return null;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit) || int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) > 255) return null;
        }
        return IPAddress.Parse(value);
    }

    public static bool IsIPv4(string? value) => ParseIp(value) is { AddressFamily: AddressFamily.InterNetwork };

    public static bool IsIPv6(string? value) => ParseIp(value) is { AddressFamily: AddressFamily.InterNetworkV6 };

    /// <summary>"IPv4", "IPv6" or null for a value that is not an IP.</summary>
    public static string? FamilyOf(string? value) => ParseIp(value)?.AddressFamily switch
    {
        AddressFamily.InterNetwork => "IPv4",
        AddressFamily.InterNetworkV6 => "IPv6",
        _ => null,
    };

    /// <summary>Adds "Invalid value" when <paramref name="value"/> is not a valid IP address.</summary>
    public static void ValidateIp(string? value, string path, List<FieldError> errors)
    {
        if (ParseIp(value) is null) errors.Invalid(path, value ?? "", IpMessage);
    }

    /// <summary>Parses "address/prefix" strictly; null when malformed or when host bits are set.</summary>
    public static (IPAddress Address, int Prefix)? ParseCidr(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return null;
        var ip = ParseIp(value[..slash]);
        var prefixText = value[(slash + 1)..];
        if (ip is null || prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit) || (prefixText.Length > 1 && prefixText[0] == '0')) return null;
        var prefix = int.Parse(prefixText, System.Globalization.CultureInfo.InvariantCulture);
        var bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits) return null;
        return (ip, prefix);
    }

    /// <summary>Adds "Invalid value" for a malformed CIDR, and for one with host bits set (naming the network).</summary>
    public static void ValidateCidr(string? value, string path, List<FieldError> errors)
    {
        var cidr = ParseCidr(value);
        if (cidr is null)
        {
            errors.Invalid(path, value ?? "", CidrMessage);
            return;
        }
        var network = Network(cidr.Value.Address, cidr.Value.Prefix);
        if (!network.Equals(cidr.Value.Address))
        {
            errors.Invalid(path, value, $"must be a network address with no host bits set (did you mean \"{network}/{cidr.Value.Prefix}\"?)");
        }
    }

    /// <summary>The address with every bit past <paramref name="prefix"/> cleared.</summary>
    public static IPAddress Network(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}
