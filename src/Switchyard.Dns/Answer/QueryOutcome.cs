using Switchyard.Dns.Wire;

namespace Switchyard.Dns.Answer;

/// <summary>What the fast path did with a packet.</summary>
internal enum QueryOutcome
{
    /// <summary>A response was written.</summary>
    Answered,
    /// <summary>Nothing to send (not a query, or too short to answer).</summary>
    Drop,
    /// <summary>Outside the zone, and there are upstreams: forward it (slow path).</summary>
    Forward,
    /// <summary>A CNAME whose target must be looked up to complete the answer (slow path).</summary>
    Chase,
    /// <summary>NXDOMAIN for a search-list expansion sent by a known pod: try the rest of its search list (slow path).</summary>
    Autopath,
}

/// <summary>What a response said, for metrics and the query log.</summary>
internal struct ResponseInfo
{
    public RecordType QType;
    public ResponseCode Rcode;
    public bool Truncated;
}
