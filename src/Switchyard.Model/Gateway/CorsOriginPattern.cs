using System.Globalization;
using System.Text.RegularExpressions;

namespace Switchyard.Model.Gateway;

/// <summary>
/// One entry of <see cref="HTTPCORSFilter.AllowOrigins"/> other than the lone <see cref="Any"/>:
/// <c>scheme://host[:port]</c>, scheme http or https, the host exact, <c>*</c> (any host) or starting with the
/// wildcard label <c>*.</c> (any number of labels to its left). A missing port is the scheme's (80, 443), as the
/// Gateway API says, so <c>https://a.example</c> and <c>https://a.example:443</c> are the same origin.
/// </summary>
public sealed partial record CorsOriginPattern(string Scheme, string Host, int Port)
{
    /// <summary>The entry that allows every origin; it must be the list's only entry.</summary>
    public const string Any = "*";

    /// <summary>Longest entry the CRD accepts.</summary>
    public const int MaxLength = 253;

    // The v1 CRD's pattern for a CORSOrigin other than "*", with named groups.
    [GeneratedRegex(@"^(?<scheme>https?)://(?<host>(\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:(?<port>[0-9]{1,5}))?$")]
    private static partial Regex Pattern();

    /// <summary>The host is <c>*</c>: every host of the scheme and port.</summary>
    public bool AnyHost => Host == "*";

    /// <summary>For a host <c>*.example.com</c>, <c>.example.com</c>; otherwise null.</summary>
    public string? WildcardSuffix => Host.StartsWith("*.", StringComparison.Ordinal) ? Host[1..] : null;

    /// <summary>
    /// The pattern of an allowOrigins entry, or null when the entry is not of the CRD's form or names a port outside
    /// 1..65535 (the lone <see cref="Any"/> is not a pattern either).
    /// </summary>
    public static CorsOriginPattern? Parse(string? value)
    {
        if (value is null || value.Length > MaxLength) return null;
        var m = Pattern().Match(value);
        if (!m.Success) return null;
        var scheme = m.Groups["scheme"].Value;
        var port = scheme == "https" ? 443 : 80;
        if (m.Groups["port"].Success)
        {
            port = int.Parse(m.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            if (port is < 1 or > 65535) return null;
        }
        return new CorsOriginPattern(scheme, m.Groups["host"].Value.ToLowerInvariant(), port);
    }

    /// <summary>Whether <paramref name="value"/> has the CRD's form, whatever its port number.</summary>
    internal static bool HasForm(string value) => Pattern().IsMatch(value);
}
