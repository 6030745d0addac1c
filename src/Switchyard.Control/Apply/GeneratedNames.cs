namespace Switchyard.Control.Apply;

/// <summary>
/// Names for objects created with <c>metadata.generateName</c>, as the Kubernetes API server makes them: the prefix
/// (cut to 58 characters so the name fits 63) and five random characters from an alphabet without vowels and
/// look-alike characters, so no word or ambiguous string is formed.
/// </summary>
public static class GeneratedNames
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int SuffixLength = 5;
    private const int MaxPrefixLength = 63 - SuffixLength;

    public static string From(string prefix)
    {
        if (prefix.Length > MaxPrefixLength) prefix = prefix[..MaxPrefixLength];
        return string.Create(prefix.Length + SuffixLength, prefix, static (span, p) =>
        {
            p.AsSpan().CopyTo(span);
            for (var i = p.Length; i < span.Length; i++) span[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
        });
    }
}
