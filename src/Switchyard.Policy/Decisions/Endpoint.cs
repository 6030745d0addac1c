using Switchyard.Model.Networking;
using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Decisions;

/// <summary>
/// One end of a connection: a pod the index knows (with its IP, when it has one), or a bare address
/// outside the cluster. Obtain pod endpoints from <see cref="PolicyIndex.FindPod"/> or <see cref="PolicyIndex.Resolve(NetAddress)"/>.
/// </summary>
public readonly struct Endpoint
{
    private Endpoint(PodEntry? pod, NetAddress? address)
    {
        Pod = pod;
        Address = address;
    }

    public PodEntry? Pod { get; }
    public NetAddress? Address { get; }

    public bool IsPod => Pod is not null;

    public static Endpoint ForPod(PodEntry pod) => new(pod, pod.Address);

    /// <summary>An address that belongs to no pod. To look an address up among pods first, use <see cref="PolicyIndex.Resolve(NetAddress)"/>.</summary>
    public static Endpoint External(NetAddress address) => new(null, address);

    public override string ToString() =>
        Pod is not null ? Pod.Key : Address?.ToString() ?? "<unknown>";
}
