using System.Text;
using Microsoft.AspNetCore.Http;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// HTTP Basic authentication of a rule (RFC 7617): <c>Authorization: Basic base64(user:password)</c> checked against an
/// htpasswd file. Missing or another scheme: 401 with <c>WWW-Authenticate: Basic realm="...", charset="UTF-8"</c>;
/// wrong user or password: the same 401 and one text for both, so a client cannot tell which users exist. Admitted:
/// the Authorization header is removed unless <c>forwardCredentials</c>, and the user name set in
/// <c>forwardUsernameHeader</c> when there is one.
/// </summary>
internal sealed class BasicAuthenticator(Htpasswd users, string? usernameHeader, bool forwardCredentials, string? realm)
{
    private const string Scheme = "Basic ";

    public string? UsernameHeader => usernameHeader;

    public AuthRefusal? Authenticate(HttpContext context)
    {
        var headers = context.Request.Headers;
        var values = headers.Authorization;
        var value = values.Count == 1 ? values[0] : null;
        if (value is null || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return Refuse(context, values.Count > 1 ? "basic auth: more than one Authorization header" : "basic auth: missing credentials", "basic_missing");
        if (Decode(value.AsSpan(Scheme.Length).Trim()) is not var (user, password))
            return Refuse(context, "basic auth: malformed credentials", "basic_malformed");
        if (!users.Verify(user, password)) return Refuse(context, "basic auth: invalid user name or password", "basic_invalid");
        if (!forwardCredentials) headers.Remove("Authorization");
        if (usernameHeader is not null) headers[usernameHeader] = GrpcStatuses.PercentEncode(user);
        return null;
    }

    private AuthRefusal Refuse(HttpContext context, string error, string reason) =>
        new(401, error, $"Basic realm=\"{Realm.Of(realm, context.Request)}\", charset=\"UTF-8\"", reason);

    private static (string User, string Password)? Decode(ReadOnlySpan<char> encoded)
    {
        Span<byte> bytes = stackalloc byte[Math.Min(encoded.Length, 8192)];
        if (encoded.Length > bytes.Length || !Convert.TryFromBase64Chars(encoded, bytes, out var written)) return null;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes[..written]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
    }
}
