using Microsoft.IdentityModel.Tokens;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// The signing keys of a JSON Web Key Set, indexed by key id. A token with a <c>kid</c> is checked against the keys
/// with that id and the keys without one; a token without <c>kid</c> against every key (as Envoy's jwt_authn does).
/// Keys the library cannot use (an unsupported <c>kty</c> such as OKP, <c>use: enc</c>) are ignored; a set with no
/// usable key is an error.
/// </summary>
internal sealed class JwtKeySet
{
    private readonly SecurityKey[] _all;
    private readonly SecurityKey[] _withoutKid;
    private readonly Dictionary<string, SecurityKey[]> _byKid;

    private JwtKeySet(IList<SecurityKey> keys)
    {
        _all = [.. keys];
        _withoutKid = [.. keys.Where(k => string.IsNullOrEmpty(k.KeyId))];
        _byKid = keys.Where(k => !string.IsNullOrEmpty(k.KeyId)).GroupBy(k => k.KeyId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (SecurityKey[])[.. g, .. _withoutKid], StringComparer.Ordinal);
    }

    public int Count => _all.Length;

    /// <summary>Whether a key of the set carries key id <paramref name="kid"/>.</summary>
    public bool HasKid(string kid) => _byKid.ContainsKey(kid);

    /// <summary>The keys that may have signed a token with key id <paramref name="kid"/> (null or empty: none given).</summary>
    public IReadOnlyList<SecurityKey> For(string? kid) =>
        string.IsNullOrEmpty(kid) ? _all : _byKid.TryGetValue(kid, out var keys) ? keys : _withoutKid;

    /// <summary>The usable signing keys of <paramref name="json"/>, or why there are none.</summary>
    public static (JwtKeySet? Keys, string? Error) Parse(string json)
    {
        try
        {
            var set = JsonWebKeySet.Create(json);
            var keys = set.GetSigningKeys();
            if (keys.Count == 0)
                return (null, $"holds no usable signing key ({set.Keys.Count} key(s); supported: RSA, EC P-256/P-384/P-521, oct)");
            return (new JwtKeySet(keys), null);
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            return (null, "is not a JSON Web Key Set");
        }
    }
}
