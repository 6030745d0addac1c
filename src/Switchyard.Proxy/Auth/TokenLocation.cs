using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// Where a JWT provider looks for its token: a header after a prefix, a cookie, or a query parameter. Finding reads
/// the request only; <see cref="Remove"/> takes the token out before forwarding (a provider's <c>forwardToken: false</c>).
/// </summary>
internal abstract class TokenLocation
{
    /// <summary>
    /// The token, or null when this location holds none. An empty string is a token that is present but empty.
    /// <paramref name="several"/>: the location holds more than one different token (two header fields, a cookie or a
    /// parameter given twice); the request is then refused, since a backend might read another than the one checked.
    /// </summary>
    public abstract string? Find(HttpRequest request, out bool several);

    /// <summary>Keeps the first token found in <paramref name="found"/>; a different one sets <paramref name="several"/>.</summary>
    private protected static void Add(string token, ref string? found, ref bool several)
    {
        if (found is null) found = token;
        else if (!string.Equals(found, token, StringComparison.Ordinal)) several = true;
    }

    /// <summary>Removes the token from the request, leaving everything else as it was.</summary>
    public abstract void Remove(HttpContext context);

    /// <summary>The default location: <c>Authorization: Bearer TOKEN</c>.</summary>
    public static TokenLocation Bearer { get; } = new HeaderLocation("Authorization", "Bearer ");
}

/// <summary>A header whose value starts with <paramref name="prefix"/> (compared ignoring case; empty: the whole value).</summary>
internal sealed class HeaderLocation(string name, string prefix) : TokenLocation
{
    public string Name => name;

    public override string? Find(HttpRequest request, out bool several)
    {
        string? found = null;
        several = false;
        foreach (var value in request.Headers[name])
        {
            if (value is null || !value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            Add(value.AsSpan(prefix.Length).Trim().ToString(), ref found, ref several);
        }
        return found;
    }

    public override void Remove(HttpContext context) => context.Request.Headers.Remove(name);
}

/// <summary>A cookie of the <c>Cookie</c> header(s).</summary>
internal sealed class CookieLocation(string name) : TokenLocation
{
    public override string? Find(HttpRequest request, out bool several)
    {
        string? found = null;
        several = false;
        foreach (var header in request.Headers.Cookie)
        {
            foreach (var pair in (header ?? "").Split(';'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && pair.AsSpan(0, eq).Trim().SequenceEqual(name)) Add(pair.AsSpan(eq + 1).Trim().Trim('"').ToString(), ref found, ref several);
            }
        }
        return found;
    }

    /// <summary>Rewrites the Cookie header without this cookie; removes the header when nothing is left.</summary>
    public override void Remove(HttpContext context)
    {
        var headers = context.Request.Headers;
        var kept = new List<string>();
        foreach (var header in headers.Cookie)
        {
            foreach (var pair in (header ?? "").Split(';'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = (eq > 0 ? pair.AsSpan(0, eq) : pair.AsSpan()).Trim();
                if (key.Length > 0 && !key.SequenceEqual(name)) kept.Add(pair.Trim());
            }
        }
        if (kept.Count == 0) headers.Remove("Cookie");
        else headers.Cookie = string.Join("; ", kept);
    }
}

/// <summary>A query parameter (name and value percent-decoded, '+' read as a space).</summary>
internal sealed class QueryLocation(string name) : TokenLocation
{
    public override string? Find(HttpRequest request, out bool several)
    {
        string? found = null;
        several = false;
        if (!request.QueryString.HasValue) return null;
        foreach (var part in request.QueryString.Value!.AsSpan(1).ToString().Split('&'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && Decode(part[..eq]) == name) Add(Decode(part[(eq + 1)..]), ref found, ref several);
        }
        return found;
    }

    /// <summary>
    /// Drops every <c>name=...</c> pair from the query, keeping the others as sent, in both the query string and the
    /// raw request target the forwarder sends upstream.
    /// </summary>
    public override void Remove(HttpContext context)
    {
        var request = context.Request;
        if (!request.QueryString.HasValue) return;
        var kept = request.QueryString.Value!.AsSpan(1).ToString().Split('&')
            .Where(part => (part.IndexOf('=', StringComparison.Ordinal) is var eq && eq > 0 ? Decode(part[..eq]) : Decode(part)) != name);
        var query = string.Join('&', kept);
        request.QueryString = query.Length == 0 ? QueryString.Empty : new QueryString("?" + query);
        if (context.Features.Get<IHttpRequestFeature>() is { } feature && !string.IsNullOrEmpty(feature.RawTarget) && feature.RawTarget[0] == '/')
        {
            var q = feature.RawTarget.IndexOf('?', StringComparison.Ordinal);
            feature.RawTarget = (q < 0 ? feature.RawTarget : feature.RawTarget[..q]) + request.QueryString.ToUriComponent();
        }
    }

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
