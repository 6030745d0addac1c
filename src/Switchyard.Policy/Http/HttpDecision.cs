namespace Switchyard.Policy.Http;

public enum HttpOutcome : byte
{
    /// <summary>No HTTPNetworkPolicy rule covers the destination port: L4 decides alone.</summary>
    NotApplicable,

    /// <summary>L7 rules cover the port but no request was given: each request will be checked.</summary>
    RequestsChecked,

    /// <summary>A covering rule admitted the request.</summary>
    Allowed,

    /// <summary>Rules cover the port and none admitted the request.</summary>
    Denied,
}

/// <summary>The L7 part of a verdict.</summary>
public readonly struct HttpDecision
{
    internal HttpDecision(HttpOutcome outcome, CompiledHttpPolicy[] policies, CompiledHttpRule? admittedBy, int matchIndex)
    {
        Outcome = outcome;
        Policies = policies;
        AdmittedBy = admittedBy;
        MatchIndex = matchIndex;
    }

    public static HttpDecision NotApplicable { get; } = new(HttpOutcome.NotApplicable, [], null, -1);

    public HttpOutcome Outcome { get; }

    /// <summary>The HTTP policies that select the destination pod.</summary>
    public IReadOnlyList<CompiledHttpPolicy> Policies { get; }

    public CompiledHttpRule? AdmittedBy { get; }

    /// <summary>Index in the admitting rule's <c>http</c> list; -1 when the rule admits any request or none admitted.</summary>
    public int MatchIndex { get; }

    public bool Permits => Outcome != HttpOutcome.Denied;
}
