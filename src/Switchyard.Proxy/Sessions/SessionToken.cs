using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Switchyard.Proxy.Sessions;

/// <summary>
/// A session persistence token: which endpoint of which backend the session is pinned to, when the session began and
/// when it was last seen, sealed with the rule's key. 41 bytes, sent as 55 base64url characters:
/// version (1), endpoint id (8), issued and last-seen Unix milliseconds (8 each), then the first 16 bytes of
/// HMAC-SHA256 over the 25 before. The endpoint id is itself a keyed hash of the backend and endpoint names: the token
/// never shows an address, and a client cannot name an endpoint it was not given, nor move the times.
/// </summary>
internal readonly record struct SessionToken(ulong Endpoint, long IssuedMs, long SeenMs)
{
    private const byte Version = 1;
    private const int PayloadLength = 25;
    private const int MacLength = 16;
    private const int Length = PayloadLength + MacLength;

    /// <summary>The length of a token as text.</summary>
    public const int TextLength = (Length / 3 * 4) + 3;

    /// <summary>The id of endpoint <paramref name="endpoint"/> of backend <paramref name="backend"/> under a rule's key.</summary>
    public static ulong EndpointId(byte[] ruleKey, string backend, string endpoint)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(ruleKey, Encoding.UTF8.GetBytes($"endpoint\n{backend}\n{endpoint}"), mac);
        return BinaryPrimitives.ReadUInt64BigEndian(mac);
    }

    public string Seal(byte[] ruleKey)
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], Endpoint);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], IssuedMs);
        BinaryPrimitives.WriteInt64BigEndian(bytes[17..], SeenMs);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(ruleKey, bytes[..PayloadLength], mac);
        mac[..MacLength].CopyTo(bytes[PayloadLength..]);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Reads a token sealed with <paramref name="ruleKey"/>; false for anything else (malformed, another version, another key, altered).</summary>
    public static bool TryOpen(byte[] ruleKey, ReadOnlySpan<char> text, out SessionToken token)
    {
        token = default;
        if (text.Length != TextLength) return false;
        Span<byte> bytes = stackalloc byte[Length];
        // DecodeFromChars reports bad input as a status (TryDecodeFromChars throws on stray bits in the last character).
        if (Base64Url.DecodeFromChars(text, bytes, out _, out var written) != OperationStatus.Done || written != Length || bytes[0] != Version) return false;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(ruleKey, bytes[..PayloadLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], bytes[PayloadLength..])) return false;
        token = new SessionToken(
            BinaryPrimitives.ReadUInt64BigEndian(bytes[1..]), BinaryPrimitives.ReadInt64BigEndian(bytes[9..]), BinaryPrimitives.ReadInt64BigEndian(bytes[17..]));
        return true;
    }
}
