using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Decisions;

/// <summary>What one side's policies said about a connection.</summary>
public enum SideOutcome : byte
{
    /// <summary>This end is not a pod that policy can select (an address outside the cluster, or a host-network pod).</summary>
    NotSelectable,

    /// <summary>No policy isolates the pod in this direction, so everything is allowed.</summary>
    NotIsolated,

    /// <summary>The pod is isolated and a rule admitted the connection.</summary>
    Allowed,

    /// <summary>The pod is isolated and no rule of any selecting policy admitted the connection.</summary>
    Denied,

    /// <summary>The connection is from a pod to itself, which no policy can block (Kubernetes NetworkPolicy).</summary>
    Itself,
}

/// <summary>
/// The decision of one direction: the source's egress or the destination's ingress. Arrays are the
/// index's own (shared, not copied): treat them as read-only. The verdict itself comes from the index's
/// precomputed maps; <see cref="AdmittedBy"/> is worked out from the rules only when it is read.
/// </summary>
/// <summary>What the verdict path records for one side; <see cref="Verdict"/> turns it into a <see cref="SideDecision"/> when read.</summary>
internal readonly struct SideResult(SideOutcome outcome, CompiledPolicy[] selecting, CompiledRule[]? rules = null, Identity? peerIdentity = null)
{
    public SideOutcome Outcome { get; } = outcome;
    public CompiledPolicy[] Selecting { get; } = selecting;

    /// <summary>The selecting policies' rules, for an allowed side only (to find the admitting one on demand).</summary>
    public CompiledRule[]? Rules { get; } = rules;
    public Identity? PeerIdentity { get; } = peerIdentity;

    public bool Permits => Outcome != SideOutcome.Denied;

    public SideDecision ToDecision(PolicyDirection direction, in Endpoint peer, PodEntry? destinationPod, int port, L4Protocol protocol) =>
        Rules is null
            ? new SideDecision(direction, Outcome, Selecting)
            : new SideDecision(direction, Selecting, Rules, PeerIdentity, peer, destinationPod, port, protocol);
}

public readonly struct SideDecision
{
    private readonly CompiledRule[]? _rules;
    private readonly Identity? _peerIdentity;
    private readonly Endpoint _peer;
    private readonly PodEntry? _destinationPod;
    private readonly int _port;
    private readonly L4Protocol _protocol;

    internal SideDecision(PolicyDirection direction, SideOutcome outcome, CompiledPolicy[] selecting)
    {
        Direction = direction;
        Outcome = outcome;
        SelectingPolicies = selecting;
    }

    /// <summary>An allowed side, with what it takes to find the admitting rule on demand.</summary>
    internal SideDecision(PolicyDirection direction, CompiledPolicy[] selecting, CompiledRule[] rules,
        Identity? peerIdentity, in Endpoint peer, PodEntry? destinationPod, int port, L4Protocol protocol)
    {
        Direction = direction;
        Outcome = SideOutcome.Allowed;
        SelectingPolicies = selecting;
        _rules = rules;
        _peerIdentity = peerIdentity;
        _peer = peer;
        _destinationPod = destinationPod;
        _port = port;
        _protocol = protocol;
    }

    public PolicyDirection Direction { get; }
    public SideOutcome Outcome { get; }

    /// <summary>The policies that select the pod for this direction (empty when not isolated), sorted by namespace/name.</summary>
    public IReadOnlyList<CompiledPolicy> SelectingPolicies { get; }

    /// <summary>
    /// The first rule (in policy order, then rule order) that admitted the connection, when the pod is isolated.
    /// Computed when read (a walk over the selecting policies' rules), so deciding stays independent of their number.
    /// </summary>
    public CompiledRule? AdmittedBy =>
        _rules is null ? null : PolicyIndex.FirstAdmitting(_rules, _peerIdentity, _peer, _port, _protocol, _destinationPod);

    public bool Isolated => Outcome is SideOutcome.Allowed or SideOutcome.Denied;
    public bool Permits => Outcome != SideOutcome.Denied;
}
