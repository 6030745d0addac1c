using System.Security.Cryptography;
using System.Text;

namespace Switchyard.Proxy.Sessions;

/// <summary>
/// The secret that session persistence tokens are sealed with: 32 random bytes drawn once per process
/// (<see cref="Generate"/>), when a rule first needs them, never written anywhere. Drawn lazily: the random source
/// loads OpenSSL, about 4.6 MB of a gateway's idle memory that a configuration without sessionPersistence does not need. Each rule gets its own key derived from it, so a token of one rule
/// means nothing to another. A restart, or another replica, has another key: its tokens are not trusted there (the
/// request is balanced and given a new session).
/// </summary>
internal sealed class SessionKey
{
    private readonly Lazy<byte[]> _key;

    public SessionKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32) throw new ArgumentException("a session key has at least 32 bytes", nameof(key));
        var bytes = key.ToArray();
        _key = new Lazy<byte[]>(bytes);
    }

    private SessionKey(Func<byte[]> draw) => _key = new Lazy<byte[]>(draw, LazyThreadSafetyMode.ExecutionAndPublication);

    public static SessionKey Generate() => new(static () => RandomNumberGenerator.GetBytes(32));

    /// <summary>The key of the sessions of rule <paramref name="rule"/> ("httproute default/shop rule 0") named <paramref name="sessionName"/>.</summary>
    public byte[] ForRule(string rule, string sessionName) =>
        HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes($"switchyard session rule\n{rule}\n{sessionName}"));
}
