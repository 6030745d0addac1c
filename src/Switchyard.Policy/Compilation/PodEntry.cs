using k8s.Models;
using Switchyard.Model.Networking;

namespace Switchyard.Policy.Compilation;

/// <summary>A container port the pod declares: its name (may be null), number and protocol.</summary>
public readonly record struct DeclaredPort(string? Name, int Port, L4Protocol Protocol);

/// <summary>
/// What the index knows about one pod: its identity (interned namespace + labels), its primary IP,
/// and its container ports (for named-port resolution and the reachability matrix).
/// </summary>
public sealed class PodEntry
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }

    /// <summary>Index of the pod's identity in <see cref="PolicyIndex"/>; -1 for host-network pods, which policies do not select.</summary>
    public required int Identity { get; init; }

    /// <summary>status.podIP, when the pod has one.</summary>
    public NetAddress? Address { get; init; }

    /// <summary>Every status.podIPs entry (dual stack), including <see cref="Address"/>.</summary>
    public IReadOnlyList<NetAddress> Addresses { get; init; } = [];

    public bool HostNetwork { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Every container port (including unnamed ones), in declaration order.</summary>
    public DeclaredPort[] Ports { get; init; } = [];

    /// <summary>The named container ports only.</summary>
    public DeclaredPort[] NamedPorts { get; init; } = [];

    /// <summary>Per entry of <see cref="NamedPorts"/>, its name interned by the compiler (for the verdict path).</summary>
    internal int[] NamedPortIds { get; init; } = [];

    public V1Pod? Source { get; init; }

    public string Key => $"{Namespace}/{Name}";

    public override string ToString() => Key;
}
