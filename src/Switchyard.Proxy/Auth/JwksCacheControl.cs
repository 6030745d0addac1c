using System.Globalization;
using System.Net.Http.Headers;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// How long an issuer says its key set response stays fresh (RFC 9111 section 4.2.1, read by a client rather than a
/// cache): <c>max-age</c> less the response's <c>Age</c>; zero for <c>no-store</c>, an unqualified <c>no-cache</c>
/// (the proxy cannot revalidate before each use) or a <c>max-age</c> that is not delta-seconds (RFC 9111 encourages
/// treating invalid freshness information as stale). Several <c>max-age</c> directives, or <c>max-age</c> with
/// <c>no-cache</c>, take the most restrictive. <c>s-maxage</c> (for shared caches), <c>Expires</c> and the other
/// directives are not read. <see cref="RemoteJwks"/> clamps the result between a floor and the provider's
/// cacheDuration.
/// </summary>
internal static class JwksCacheControl
{
    /// <summary>A delta-seconds too large to represent counts as 2^31 seconds (RFC 9111 section 1.2.2).</summary>
    private const long MaxSeconds = 1L << 31;

    /// <summary>The freshness lifetime the response's headers give, or null when they give none (no Cache-Control, or none of its freshness directives).</summary>
    public static TimeSpan? Lifetime(HttpResponseHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("Cache-Control", out var values)) return null;
        long? maxAge = null;
        var stale = false;
        foreach (var value in values)
        {
            foreach (var (name, argument) in Directives(value))
            {
                if (name.Equals("no-store", StringComparison.OrdinalIgnoreCase)) stale = true;
                else if (name.Equals("no-cache", StringComparison.OrdinalIgnoreCase) && argument is null) stale = true; // no-cache="field" only restricts those header fields
                else if (name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
                {
                    var seconds = DeltaSeconds(argument);
                    if (seconds is null) stale = true;
                    else maxAge = maxAge is { } before ? Math.Min(before, seconds.Value) : seconds;
                }
            }
        }
        if (stale) return TimeSpan.Zero;
        if (maxAge is not { } age) return null;
        var lifetime = age - AgeSeconds(headers);
        return lifetime <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(lifetime);
    }

    /// <summary>The response's Age in seconds (the first valid value), 0 when absent or invalid.</summary>
    private static long AgeSeconds(HttpResponseHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("Age", out var values)) return 0;
        foreach (var value in values)
        {
            if (DeltaSeconds(value.Trim()) is { } seconds) return seconds;
        }
        return 0;
    }

    /// <summary>1*DIGIT as seconds (a quoted form accepted, as RFC 9111 asks of recipients), capped at 2^31; null when not digits.</summary>
    private static long? DeltaSeconds(string? text)
    {
        if (text is null) return null;
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"') text = text[1..^1];
        if (text.Length == 0 || !text.All(char.IsAsciiDigit)) return null;
        return text.Length > 10 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxSeconds ? MaxSeconds : seconds;
    }

    /// <summary>The directives of one Cache-Control value: name and argument (null when none), split at commas outside quoted strings.</summary>
    private static IEnumerable<(string Name, string? Argument)> Directives(string value)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i <= value.Length; i++)
        {
            if (i < value.Length)
            {
                if (value[i] == '"') quoted = !quoted;
                else if (value[i] == '\\' && quoted) i++;
                if (quoted || i >= value.Length || value[i] != ',') continue;
            }
            var directive = value[start..Math.Min(i, value.Length)].Trim();
            start = i + 1;
            if (directive.Length == 0) continue;
            var equals = directive.IndexOf('=', StringComparison.Ordinal);
            yield return equals < 0 ? (directive, null) : (directive[..equals].Trim(), directive[(equals + 1)..].Trim());
        }
    }
}
