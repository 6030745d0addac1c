using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace Switchyard.Proxy.Sessions;

/// <summary>
/// The secret that session persistence tokens are sealed with, and optionally the one before it, which still opens
/// tokens during a rotation. Each rule gets its own keys derived from it, so a token of one rule means nothing to another.
/// </summary>
/// <remarks>
/// Two sources. <see cref="Generate"/>: 32 random bytes drawn once per process, when a rule first needs them, never
/// written anywhere; a restart or another replica has another key, and its tokens are not trusted there (the request is
/// balanced and given a new session). Drawn lazily: the random source loads OpenSSL, about 4.6 MB of a gateway's idle
/// memory that a configuration without sessionPersistence does not need. <see cref="FromSecret"/>: the Secret that
/// <see cref="ProxyOptions.SessionKeySecret"/> names, the same for every replica that names it, and across restarts.
/// </remarks>
internal sealed class SessionKey
{
    /// <summary>Fewest bytes a key may have: HMAC-SHA256's own key length.</summary>
    public const int MinLength = 32;

    /// <summary>The Secret's data key of the key that seals (and opens) tokens.</summary>
    public const string CurrentField = "key";

    /// <summary>The Secret's data key of the key before it, which only opens tokens (a rotation's grace).</summary>
    public const string PreviousField = "previous";

    private readonly Lazy<byte[]> _key;
    private readonly byte[]? _previous;

    public SessionKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> previous = default)
    {
        if (key.Length < MinLength) throw new ArgumentException($"a session key has at least {MinLength} bytes", nameof(key));
        if (!previous.IsEmpty && previous.Length < MinLength) throw new ArgumentException($"a session key has at least {MinLength} bytes", nameof(previous));
        _key = new Lazy<byte[]>(key.ToArray());
        _previous = previous.IsEmpty ? null : previous.ToArray();
    }

    private SessionKey(Func<byte[]> draw) => _key = new Lazy<byte[]>(draw, LazyThreadSafetyMode.ExecutionAndPublication);

    public static SessionKey Generate() => new(static () => RandomNumberGenerator.GetBytes(MinLength));

    /// <summary>
    /// The keys in <paramref name="secret"/>: <c>key</c>, and <c>previous</c> unless absent or empty, each at least
    /// <see cref="MinLength"/> bytes, from <c>stringData</c> (its UTF-8 bytes) or else <c>data</c> (base64 in a
    /// manifest), <c>stringData</c> winning as the API server merges them. Null with every problem in
    /// <paramref name="error"/> otherwise.
    /// </summary>
    public static SessionKey? FromSecret(V1Secret secret, out string? error)
    {
        var problems = new List<string>();
        var key = Field(secret, CurrentField, problems, required: true);
        var previous = Field(secret, PreviousField, problems, required: false);
        error = problems.Count == 0 ? null : string.Join("; ", problems);
        return error is null ? new SessionKey(key, previous) : null;
    }

    /// <summary>The field's bytes; empty when it is absent, or (for <paramref name="required"/> false) empty: dropping <c>previous</c> by blanking it ends the rotation.</summary>
    private static byte[] Field(V1Secret secret, string name, List<string> problems, bool required)
    {
        var (bytes, path) = secret.StringData is { } strings && strings.TryGetValue(name, out var text) ? (Encoding.UTF8.GetBytes(text ?? ""), $"stringData.{name}")
            : secret.Data is { } data && data.TryGetValue(name, out var raw) ? (raw ?? [], $"data.{name}")
            : ([], $"data.{name}");
        if (bytes.Length == 0 && !required) return [];
        if (bytes.Length == 0) problems.Add($"{path}: Required value: the key that seals session tokens, at least {MinLength} bytes");
        else if (bytes.Length < MinLength) problems.Add($"{path}: Invalid value: {bytes.Length} bytes: must be at least {MinLength} bytes");
        return bytes;
    }

    /// <summary>The keys of the sessions of rule <paramref name="rule"/> ("httproute default/shop rule 0") named <paramref name="sessionName"/>.</summary>
    public RuleKeys ForRule(string rule, string sessionName) =>
        new(Derive(_key.Value, rule, sessionName), _previous is null ? null : Derive(_previous, rule, sessionName));

    private static byte[] Derive(byte[] key, string rule, string sessionName) =>
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"switchyard session rule\n{rule}\n{sessionName}"));
}

/// <summary>A rule's keys: <paramref name="Current"/> seals and opens its tokens; <paramref name="Previous"/>, during a rotation, only opens them.</summary>
internal sealed record RuleKeys(byte[] Current, byte[]? Previous);
