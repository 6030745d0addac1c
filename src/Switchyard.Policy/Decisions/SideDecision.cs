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
}

/// <summary>
/// The decision of one direction: the source's egress or the destination's ingress. Arrays are the
/// index's own (shared, not copied): treat them as read-only.
/// </summary>
public readonly struct SideDecision
{
    internal SideDecision(PolicyDirection direction, SideOutcome outcome, CompiledPolicy[] selecting, CompiledRule? admittedBy)
    {
        Direction = direction;
        Outcome = outcome;
        SelectingPolicies = selecting;
        AdmittedBy = admittedBy;
    }

    public PolicyDirection Direction { get; }
    public SideOutcome Outcome { get; }

    /// <summary>The policies that select the pod for this direction (empty when not isolated), sorted by namespace/name.</summary>
    public IReadOnlyList<CompiledPolicy> SelectingPolicies { get; }

    /// <summary>The first rule (in policy order, then rule order) that admitted the connection, when the pod is isolated.</summary>
    public CompiledRule? AdmittedBy { get; }

    public bool Isolated => Outcome is SideOutcome.Allowed or SideOutcome.Denied;
    public bool Permits => Outcome != SideOutcome.Denied;
}
