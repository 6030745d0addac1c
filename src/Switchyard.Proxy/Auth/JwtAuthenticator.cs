using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// JWT authentication of a rule: each provider looks for its token in its locations, in order; the first token a
/// provider accepts admits the request (its claims go to headers; its token is removed unless forwarded). No token
/// anywhere: 401 with a bare Bearer challenge (or admitted when optional). A location holding two different tokens
/// is a refused token ("more than one token"): the backend might read the one not checked. Tokens found but refused by every provider
/// that found one: 401 with <c>error="invalid_token"</c> (RFC 6750 section 3), never admitted, optional or not.
/// </summary>
internal sealed class JwtAuthenticator(IReadOnlyList<JwtProvider> providers, bool optional, string? realm)
{
    public IReadOnlyList<JwtProvider> Providers => providers;

    /// <summary>The refusal to answer, or none with the provider and token that admitted the request (none when an optional token was absent).</summary>
    public async ValueTask<(AuthRefusal? Refusal, JwtIdentity? Identity)> AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        List<string>? failures = null;
        JwtFailure? first = null;
        (string Text, JsonWebToken? Parsed, JwtFailure? Failure)? last = null;
        foreach (var provider in providers)
        {
            if (provider.Find(request) is not var (location, text, several)) continue;
            JsonWebToken? parsed;
            JwtFailure? parseFailure;
            if (several) (parsed, parseFailure) = (null, JwtFailure.Several);
            else
            {
                // Providers reading the same place see the same token: parse it once.
                (parsed, parseFailure) = last is { } l && l.Text == text ? (l.Parsed, l.Failure) : Parse(text);
                last = (text, parsed, parseFailure);
            }
            var failure = parseFailure ?? await provider.ValidateAsync(parsed!).ConfigureAwait(false);
            if (failure is null)
            {
                ClaimHeader.Apply(provider.ClaimHeaders, parsed!, request.Headers);
                if (!provider.ForwardToken) location.Remove(context);
                return (null, new JwtIdentity(provider.Name, parsed!));
            }
            first ??= failure;
            (failures ??= []).Add($"provider {provider.Name}: {failure.Text}");
        }
        var challengeRealm = Realm.Of(realm, request);
        if (first is null)
        {
            return (optional ? null : new AuthRefusal(401, "jwt: missing token", $"Bearer realm=\"{challengeRealm}\"", "jwt_missing"), null);
        }
        return (new AuthRefusal(401, $"jwt: invalid token: {string.Join("; ", failures!)}",
            $"Bearer realm=\"{challengeRealm}\", error=\"invalid_token\", error_description=\"{first.Text}\"", "jwt_" + first.Reason), null);
    }

    private static (JsonWebToken? Token, JwtFailure? Failure) Parse(string text)
    {
        if (text.Length == 0) return (null, JwtFailure.Malformed);
        try
        {
            var token = new JsonWebToken(text);
            return token.IsEncrypted ? (null, JwtFailure.Encrypted) : (token, null);
        }
        catch (Exception e) when (e is ArgumentException or Microsoft.IdentityModel.Tokens.SecurityTokenException or System.Text.Json.JsonException or FormatException)
        {
            return (null, JwtFailure.Malformed);
        }
    }
}
