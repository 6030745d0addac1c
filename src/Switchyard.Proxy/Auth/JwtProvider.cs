using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// One compiled JWT provider: its keys (a local key set parsed once and kept across compiles, or a remote one its
/// fetcher keeps current), the validation parameters
/// built once, where its token is found and what the backend gets. Validation is Microsoft.IdentityModel's
/// <see cref="JsonWebTokenHandler"/> (signature, issuer, audience); the checks before it (algorithm, key id, lifetime
/// against the injected <see cref="TimeProvider"/>) give precise reasons without running any crypto on tokens that
/// would be refused anyway.
/// </summary>
internal sealed class JwtProvider
{
    /// <summary>Signature algorithms accepted: RSA (PKCS#1 v1.5 and PSS), ECDSA and HMAC. Never "none".</summary>
    public static readonly IReadOnlySet<string> Algorithms = new HashSet<string>(StringComparer.Ordinal)
    {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512",
    };

    private static readonly JsonWebTokenHandler Handler = new();
    private readonly JwtKeySource _keys;
    private readonly TokenValidationParameters _parameters;
    private readonly TimeSpan _clockSkew;
    private readonly TimeProvider _time;

    public JwtProvider(string name, JwtKeySource keys, string? issuer, IReadOnlyList<string> audiences, TimeSpan clockSkew, TimeProvider time,
        IReadOnlyList<TokenLocation> locations, IReadOnlyList<ClaimHeader> claimHeaders, bool forwardToken)
    {
        Name = name;
        _keys = keys;
        Locations = locations;
        ClaimHeaders = claimHeaders;
        ForwardToken = forwardToken;
        _clockSkew = clockSkew;
        _time = time;
        _parameters = new TokenValidationParameters
        {
            ValidateIssuer = issuer is not null,
            ValidIssuer = issuer,
            ValidateAudience = audiences.Count > 0,
            ValidAudiences = audiences,
            IgnoreTrailingSlashWhenValidatingAudience = false, // "shop/" is not "shop": aud must equal one exactly, as Envoy compares
            ValidateLifetime = false, // checked in Lifetime, with the injected clock
            RequireSignedTokens = true,
            ValidAlgorithms = Algorithms,
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) => keys.Current?.For(kid) ?? [],
            ValidateTokenReplay = false,
            SaveSigninToken = false,
        };
    }

    public string Name { get; }

    public IReadOnlyList<TokenLocation> Locations { get; }

    public IReadOnlyList<ClaimHeader> ClaimHeaders { get; }

    public bool ForwardToken { get; }

    /// <summary>The first location that holds a token, the token, and whether that location holds several; null when none does.</summary>
    public (TokenLocation Location, string Token, bool Several)? Find(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        foreach (var location in Locations)
        {
            if (location.Find(request, out var several) is { } token) return (location, token, several);
        }
        return null;
    }

    /// <summary>Null when the token is accepted; otherwise why not.</summary>
    public async ValueTask<JwtFailure?> ValidateAsync(JsonWebToken token)
    {
        var alg = token.Alg;
        if (string.IsNullOrEmpty(alg) || string.Equals(alg, "none", StringComparison.OrdinalIgnoreCase)) return JwtFailure.Unsigned;
        if (!Algorithms.Contains(alg)) return JwtFailure.Algorithm;
        // RFC 7515 4.1.11: extensions listed in "crit" must be understood, and this verifier understands none.
        if (token.TryGetHeaderValue<object>("crit", out _)) return JwtFailure.Critical;
        if (_keys.Current is not { } keys) return JwtFailure.KeysUnavailable;
        var kid = token.Kid;
        if (!string.IsNullOrEmpty(kid) && !keys.HasKid(kid)) _keys.KidNotFound(); // a rotated key set, perhaps: fetch it again soon
        if (keys.For(kid).Count == 0) return JwtFailure.UnknownKey;
        if (Lifetime(token) is { } lifetime) return lifetime;
        var result = await Handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        return result.IsValid ? null : JwtFailure.Of(result.Exception);
    }

    /// <summary>
    /// <c>exp</c> is required and must be later than now less the clock skew; <c>nbf</c>, when present, no later
    /// than now plus the skew (RFC 7519 4.1.4 and 4.1.5).
    /// </summary>
    private JwtFailure? Lifetime(JsonWebToken token)
    {
        DateTime expires, notBefore;
        try
        {
            expires = token.ValidTo;
            notBefore = token.ValidFrom;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or SecurityTokenException)
        {
            return JwtFailure.Lifetime;
        }
        if (expires == DateTime.MinValue) return JwtFailure.NoExpiration;
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires <= now - _clockSkew) return JwtFailure.Expired;
        if (notBefore != DateTime.MinValue && notBefore > now + _clockSkew) return JwtFailure.NotYetValid;
        return null;
    }
}

/// <summary>Why a token was refused: the text for clients and logs (never key material) and the metric label.</summary>
internal sealed record JwtFailure(string Text, string Reason)
{
    public static readonly JwtFailure Malformed = new("malformed token", "malformed");
    public static readonly JwtFailure Encrypted = new("encrypted tokens (JWE) are not accepted", "malformed");
    public static readonly JwtFailure Several = new("more than one token", "several");
    public static readonly JwtFailure Unsigned = new("unsigned token (alg none)", "unsigned");
    public static readonly JwtFailure Algorithm = new("signature algorithm not accepted", "algorithm");
    public static readonly JwtFailure Critical = new("critical header extension not understood (crit)", "critical");
    public static readonly JwtFailure KeysUnavailable = new("jwks not fetched yet", "jwks_unavailable");
    public static readonly JwtFailure UnknownKey = new("no key of the key set matches the token's kid", "unknown_key");
    public static readonly JwtFailure Signature = new("signature invalid", "signature");
    public static readonly JwtFailure Expired = new("token expired", "expired");
    public static readonly JwtFailure NotYetValid = new("token not yet valid (nbf)", "not_yet_valid");
    public static readonly JwtFailure NoExpiration = new("token has no exp claim", "no_expiration");
    public static readonly JwtFailure Lifetime = new("token lifetime invalid", "lifetime");
    public static readonly JwtFailure Issuer = new("issuer not accepted", "issuer");
    public static readonly JwtFailure Audience = new("audience not accepted", "audience");
    public static readonly JwtFailure Other = new("token not accepted", "invalid");

    public static JwtFailure Of(Exception? e) => e switch
    {
        SecurityTokenExpiredException => Expired,
        SecurityTokenNotYetValidException => NotYetValid,
        SecurityTokenNoExpirationException => NoExpiration,
        SecurityTokenInvalidLifetimeException => Lifetime,
        SecurityTokenInvalidIssuerException => Issuer,
        SecurityTokenInvalidAudienceException => Audience,
        SecurityTokenSignatureKeyNotFoundException => UnknownKey,
        SecurityTokenInvalidAlgorithmException => Algorithm,
        SecurityTokenInvalidSignatureException => Signature,
        SecurityTokenMalformedException or ArgumentException => Malformed,
        _ => Other,
    };
}
