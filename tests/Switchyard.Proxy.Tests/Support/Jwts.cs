using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// Signing keys and JSON Web Tokens built by hand (JWS compact serialization, RFC 7515), independently of the library
/// the proxy validates with: an RSA key "rsa-1" and an EC P-256 key "ec-1" published in <see cref="Jwks"/>, and an
/// RSA key "rsa-x" that no key set holds.
/// </summary>
internal sealed class Jwts : IDisposable
{
    public RSA Rsa { get; } = RSA.Create(2048);
    public ECDsa Ec { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public RSA Stranger { get; } = RSA.Create(2048);

    /// <summary>The published key set: rsa-1 (RS256) and ec-1 (ES256), as one line of JSON.</summary>
    public string Jwks => $$"""{"keys":[{{RsaJwk(Rsa, "rsa-1")}},{{EcJwk(Ec, "ec-1")}}]}""";

    /// <summary>A key set holding only the stranger key, as "rsa-x".</summary>
    public string StrangerJwks => $$"""{"keys":[{{RsaJwk(Stranger, "rsa-x")}}]}""";

    public static string RsaJwk(RSA rsa, string kid)
    {
        var p = rsa.ExportParameters(false);
        return $$"""{"kty":"RSA","kid":"{{kid}}","use":"sig","alg":"RS256","n":"{{B64(p.Modulus!)}}","e":"{{B64(p.Exponent!)}}"}""";
    }

    public static string EcJwk(ECDsa ec, string kid)
    {
        var p = ec.ExportParameters(false);
        return $$"""{"kty":"EC","kid":"{{kid}}","use":"sig","crv":"P-256","x":"{{B64(p.Q.X!)}}","y":"{{B64(p.Q.Y!)}}"}""";
    }

    /// <summary>Claims valid now: iss https://idp.test, aud shop, sub alice, exp in 5 minutes; <paramref name="edit"/> changes them.</summary>
    public static JsonObject Claims(Action<JsonObject>? edit = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new JsonObject { ["iss"] = "https://idp.test", ["aud"] = "shop", ["sub"] = "alice", ["iat"] = now, ["exp"] = now + 300 };
        edit?.Invoke(claims);
        return claims;
    }

    public static long Now(int plusSeconds = 0) => DateTimeOffset.UtcNow.ToUnixTimeSeconds() + plusSeconds;

    /// <summary>A token signed RS256 by <paramref name="rsa"/> (default the published key) with key id <paramref name="kid"/>.</summary>
    public string Rs256(JsonObject claims, string? kid = "rsa-1", RSA? rsa = null) =>
        Sign("RS256", kid, claims, data => (rsa ?? Rsa).SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public string Es256(JsonObject claims, string? kid = "ec-1") => Sign("ES256", kid, claims, data => Ec.SignData(data, HashAlgorithmName.SHA256));

    /// <summary>An unsigned token: <c>alg: none</c> and an empty signature.</summary>
    public static string None(JsonObject claims) => Sign("none", null, claims, _ => []);

    /// <summary>
    /// An HS256 token whose HMAC key is the published RSA key's modulus: the "algorithm confusion" forgery that a
    /// verifier trusting the token's alg with an RSA public key would accept.
    /// </summary>
    public string Hs256WithRsaModulus(JsonObject claims) =>
        Sign("HS256", "rsa-1", claims, data => HMACSHA256.HashData(Rsa.ExportParameters(false).Modulus!, data));

    public static string Sign(string alg, string? kid, JsonObject claims, Func<byte[], byte[]> sign)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null) header["kid"] = kid;
        var input = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>An htpasswd line with a {SHA} hash, as <c>htpasswd -s</c> writes it.</summary>
#pragma warning disable CA5350 // the {SHA} htpasswd format is SHA-1
    public static string Htpasswd(string user, string password) => $"{user}:{{SHA}}{Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(password)))}";
#pragma warning restore CA5350

    public void Dispose()
    {
        Rsa.Dispose();
        Ec.Dispose();
        Stranger.Dispose();
    }
}
