namespace Switchyard.Policy.Compilation;

/// <summary>
/// One ingress or egress rule of a policy. <see cref="AnyPeer"/>: <c>from</c>/<c>to</c> was absent or empty,
/// so every source/destination (pods and external addresses) matches. <see cref="Ports"/> empty:
/// <c>ports</c> was absent or empty, so every port and protocol matches.
/// </summary>
public sealed class CompiledRule
{
    public required CompiledPolicy Policy { get; init; }
    public required PolicyDirection Direction { get; init; }

    /// <summary>Position of the rule in the policy's <c>ingress</c> or <c>egress</c> list.</summary>
    public required int Index { get; init; }

    /// <summary>Index-wide number of the rule; an identity's rule bitset is indexed by it.</summary>
    public required int Id { get; init; }

    public required bool AnyPeer { get; init; }
    public required CompiledPeer[] Peers { get; init; }
    public required CompiledPort[] Ports { get; init; }

    /// <summary>The peers that are ipBlocks, checked against addresses at decision time.</summary>
    public required IpBlock[] IpBlocks { get; init; }

    public bool AnyPort => Ports.Length == 0;

    public bool MatchesPort(int port, L4Protocol protocol, PodEntry? destination)
    {
        if (Ports.Length == 0) return true;
        foreach (var p in Ports)
        {
            if (p.Matches(port, protocol, destination)) return true;
        }
        return false;
    }

    public string Label => $"{Policy.Namespace}/{Policy.Name} {(Direction == PolicyDirection.Ingress ? "ingress" : "egress")}[{Index}]";

    public override string ToString() => Label;
}
