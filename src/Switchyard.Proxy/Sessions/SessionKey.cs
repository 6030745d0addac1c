using System.Security.Cryptography;
using System.Text;

namespace Switchyard.Proxy.Sessions;

/// <summary>
/// The secret that session persistence tokens are sealed with: 32 random bytes drawn once per process
/// (<see cref="Generate"/>), never written anywhere. Each rule gets its own key derived from it, so a token of one rule
/// means nothing to another. A restart, or another replica, has another key: its tokens are not trusted there (the
/// request is balanced and given a new session).
/// </summary>
internal sealed class SessionKey
{
    private readonly byte[] _key;

    public SessionKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32) throw new ArgumentException("a session key has at least 32 bytes", nameof(key));
        _key = key.ToArray();
    }

    public static SessionKey Generate() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key of the sessions of rule <paramref name="rule"/> ("httproute default/shop rule 0") named <paramref name="sessionName"/>.</summary>
    public byte[] ForRule(string rule, string sessionName) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"switchyard session rule\n{rule}\n{sessionName}"));
}
