using System.Net;
using System.Net.Sockets;

namespace Switchyard.Model.Networking;

/// <summary>An IP family as the Kubernetes API spells it in <c>spec.ipFamilies</c> and EndpointSlice <c>addressType</c>.</summary>
public enum IpFamily
{
    IPv4,
    IPv6,
}

/// <summary>Kubernetes-facing helpers for families and <see cref="IPAddress"/> values.</summary>
public static class IpFamilies
{
    /// <summary>The family of an address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as IPv4.</summary>
    public static IpFamily Of(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6 ? IpFamily.IPv6 : IpFamily.IPv4;

    /// <summary>Parses "IPv4" / "IPv6" exactly (the API is case-sensitive).</summary>
    public static IpFamily? Parse(string? value) => value switch
    {
        "IPv4" => IpFamily.IPv4,
        "IPv6" => IpFamily.IPv6,
        _ => null,
    };

    public static string Name(IpFamily family) => family == IpFamily.IPv4 ? "IPv4" : "IPv6";

    /// <summary>
    /// Parses an address with <see cref="NetAddress.TryParse"/> (Kubernetes rules) and returns it as an
    /// <see cref="IPAddress"/>, an IPv4-mapped IPv6 address turned into its IPv4 form.
    /// </summary>
    public static bool TryParseStrict(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (!NetAddress.TryParse(text, out var parsed)) return false;
        address = parsed.Unmap().ToIPAddress();
        return true;
    }
}
