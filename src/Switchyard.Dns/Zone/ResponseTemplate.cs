using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Zone;

/// <summary>
/// The answer to one (name, type), encoded once per change: the answer, authority and additional sections exactly as
/// they follow the question in a response. Compression pointers in it are absolute offsets that hold for any message
/// whose question is this name (the question always starts at offset 12 and a name's wire length does not depend on
/// its case), so a response is header + the query's own question + these bytes.
/// </summary>
internal sealed class ResponseTemplate
{
    public required byte[] Body { get; init; }
    public ushort AnswerCount { get; init; }
    public ushort AdditionalCount { get; init; }

    /// <summary>Bytes of the answer section: a response may drop the additional section to fit (no TC needed).</summary>
    public int AnswerLength { get; init; }

    /// <summary>The records, for slow paths that re-encode them elsewhere in a message (autopath, CNAME chasing).</summary>
    public required IReadOnlyList<DnsRecord> Answers { get; init; }
    public required IReadOnlyList<DnsRecord> Extra { get; init; }

    /// <summary>Set on a CNAME answer whose target may have records for the asked type (chased on the slow path).</summary>
    public string? ChaseTarget { get; init; }

    public static ResponseTemplate Build(string owner, IReadOnlyList<DnsRecord> answers, IReadOnlyList<DnsRecord> additional, string? chaseTarget = null)
    {
        var writer = new DnsMessageWriter(256);
        writer.WriteQuestion(new DnsQuestion(owner, RecordType.A));
        var start = writer.Length;
        foreach (var r in answers) writer.WriteAnswer(r);
        var answerEnd = writer.Length;
        foreach (var r in additional) writer.WriteAdditional(r);
        return new ResponseTemplate
        {
            Body = writer.Written[start..].ToArray(),
            AnswerCount = (ushort)answers.Count,
            AdditionalCount = (ushort)additional.Count,
            AnswerLength = answerEnd - start,
            Answers = answers,
            Extra = additional,
            ChaseTarget = chaseTarget,
        };
    }
}
