using Switchyard.Model.Networking;

namespace Switchyard.Model.Validation;

/// <summary>
/// IP address and CIDR checks as the Kubernetes API applies them to new objects: IPv4 in dotted
/// decimal with no leading zeros, IPv6 without zones, CIDRs with no host bits set. Parsing is
/// <see cref="NetAddress.TryParse"/> and <see cref="IpPrefix.TryParse(ReadOnlySpan{char}, out IpPrefix, out bool)"/>.
/// </summary>
public static class IpRules
{
    public const string IpMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
    public const string CidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    public static bool IsIPv4(string? value) => NetAddress.TryParse(value, out var a) && a.Family == IpFamily.IPv4;

    public static bool IsIPv6(string? value) => NetAddress.TryParse(value, out var a) && a.Family == IpFamily.IPv6;

    /// <summary>"IPv4", "IPv6" or null for a value that is not an IP (an IPv4-mapped IPv6 address is "IPv6").</summary>
    public static string? FamilyOf(string? value) => NetAddress.TryParse(value, out var a) ? IpFamilies.Name(a.Family) : null;

    /// <summary>Adds "Invalid value" when <paramref name="value"/> is not a valid IP address.</summary>
    public static void ValidateIp(string? value, string path, List<FieldError> errors)
    {
        if (!NetAddress.TryParse(value, out _)) errors.Invalid(path, value ?? "", IpMessage);
    }

    /// <summary>Adds "Invalid value" for a malformed CIDR, and for one with host bits set (naming the network).</summary>
    public static void ValidateCidr(string? value, string path, List<FieldError> errors)
    {
        if (!IpPrefix.TryParse(value, out var network, out var hostBitsSet))
        {
            errors.Invalid(path, value ?? "", CidrMessage);
        }
        else if (hostBitsSet)
        {
            errors.Invalid(path, value!, $"must be a network address with no host bits set (did you mean \"{network}\"?)");
        }
    }
}
