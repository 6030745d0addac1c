using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Switchyard.Model.Validation.Networking;

/// <summary>
/// A parsed CIDR as the Kubernetes API reads it: an address, '/', a prefix length. Host bits may be set
/// ("10.0.0.1/24" is read as 10.0.0.0/24), as the API server has always accepted them.
/// </summary>
internal readonly record struct Cidr(IPAddress Network, int PrefixLength)
{
    public const string Example = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    public AddressFamily Family => Network.AddressFamily;

    public static Cidr? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1) return null;
        if (!IPAddress.TryParse(text.AsSpan(0, slash), out var address)) return null;
        if (text.AsSpan(0, slash).Contains('%')) return null;
        var prefixText = text.AsSpan(slash + 1);
        if (prefixText.Length > 3 || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)) return null;
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits) return null;
        return new Cidr(Mask(address, prefix), prefix);
    }

    /// <summary>Whether <paramref name="inner"/> lies inside this block and is smaller than it.</summary>
    public bool StrictlyContains(Cidr inner) =>
        inner.Family == Family && inner.PrefixLength > PrefixLength && Mask(inner.Network, PrefixLength).Equals(Network);

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
