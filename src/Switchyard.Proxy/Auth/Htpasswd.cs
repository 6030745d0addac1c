using System.Security.Cryptography;
using System.Text;

namespace Switchyard.Proxy.Auth;

/// <summary>
/// The users of an htpasswd file (<c>user:{SHA}base64(SHA-1(password))</c> lines, as <c>htpasswd -s</c> writes and
/// Envoy Gateway accepts). Blank lines and lines starting with '#' are skipped. Other hash formats (bcrypt, apr1 MD5,
/// crypt, plain text) are refused when the file is read, naming the line: never accepted in a way that would let
/// anyone in (docs/decisions/0009-gateway-authentication.md says why bcrypt is not served).
/// </summary>
internal sealed class Htpasswd
{
    private const string ShaPrefix = "{SHA}";
    private static readonly byte[] Decoy = new byte[20];
    private readonly Dictionary<string, byte[]> _users;

    private Htpasswd(Dictionary<string, byte[]> users) => _users = users;

    public int Count => _users.Count;

    /// <summary>
    /// Whether <paramref name="password"/> is <paramref name="user"/>'s. An unknown user costs the same hash and
    /// comparison as a known one, so timing does not tell which users exist.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "{SHA} htpasswd entries are SHA-1 by definition (the format Envoy Gateway accepts); docs/decisions/0009 weighs it")]
    public bool Verify(string user, string password)
    {
        var known = _users.TryGetValue(user, out var expected);
        Span<byte> hash = stackalloc byte[20];
        var bytes = Encoding.UTF8.GetBytes(password);
        SHA1.HashData(bytes, hash);
        return CryptographicOperations.FixedTimeEquals(hash, expected ?? Decoy) && known;
    }

    /// <summary>The users of <paramref name="text"/>, or every problem found, each naming its line (never a hash).</summary>
    public static (Htpasswd? Users, List<string> Problems) Parse(string text)
    {
        var users = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var problems = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var at = $"line {i + 1}";
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                problems.Add($"{at}: not user:hash");
                continue;
            }
            var user = line[..colon];
            var hash = line[(colon + 1)..];
            if (!hash.StartsWith(ShaPrefix, StringComparison.Ordinal))
            {
                problems.Add($"{at} (user {user}): {Describe(hash)} is not supported; use {{SHA}} hashes (htpasswd -s)");
                continue;
            }
            var digest = new byte[20];
            if (!Convert.TryFromBase64String(hash[ShaPrefix.Length..], digest, out var written) || written != 20)
            {
                problems.Add($"{at} (user {user}): {{SHA}} hash is not base64 of 20 bytes");
                continue;
            }
            if (!users.TryAdd(user, digest)) problems.Add($"{at}: user {user} is listed twice");
        }
        if (problems.Count == 0 && users.Count == 0) problems.Add("no users");
        return (problems.Count == 0 ? new Htpasswd(users) : null, problems);
    }

    private static string Describe(string hash) => hash switch
    {
        _ when hash.StartsWith("$2", StringComparison.Ordinal) => "a bcrypt hash",
        _ when hash.StartsWith("$apr1$", StringComparison.Ordinal) => "an apr1 (MD5) hash",
        _ when hash.StartsWith('$') => "a crypt hash",
        _ => "a plain-text or crypt password",
    };
}
