namespace Switchyard.Policy.Nftables;

/// <summary>What to render. Defaults: the table <c>switchyard_policy</c>, enforcing for every pod.</summary>
public sealed record NftablesOptions
{
    /// <summary>Name of the inet table that holds everything (replaced as a whole on each load).</summary>
    public string TableName { get; init; } = "switchyard_policy";

    /// <summary>Pods ("namespace/name") this node enforces for; null: every pod in the index.</summary>
    public IReadOnlySet<string>? LocalPods { get; init; }

    /// <summary>Base-chain hook: "forward" for routed pod networks (default); "output" or "input" for host traffic.</summary>
    public string Hook { get; init; } = "forward";
}
