using Switchyard.Model.Networking;
using Switchyard.Policy.Decisions;

namespace Switchyard.Policy.Compilation;

/// <summary>
/// The peers one policy set admits on one port class (a port range of one protocol, or one named port):
/// a bitset over peer identity ids, a flag for rules with any peer, and the addresses their ipBlocks cover.
/// <see cref="RuleIds"/> (rules with pod/namespace-selector peers) lets the compiler recompute single bits.
/// </summary>
internal sealed class PortClass
{
    public static PortClass None { get; } = new([], [], false, null);

    public PortClass(int[] ruleIds, ulong[] peers, bool anyPeer, AddressSet? addresses)
    {
        RuleIds = ruleIds;
        Peers = peers;
        AnyPeer = anyPeer;
        Addresses = addresses;
    }

    public int[] RuleIds { get; }
    public ulong[] Peers { get; }
    public bool AnyPeer { get; }
    public AddressSet? Addresses { get; }

    /// <summary>Whether the rules admit <paramref name="peer"/>, whose identity is <paramref name="peerIdentity"/> (-1: none).</summary>
    public bool Admits(int peerIdentity, in Endpoint peer)
    {
        if (AnyPeer) return true;
        if ((uint)peerIdentity < (uint)Peers.Length << 6 && (Peers[peerIdentity >> 6] & (1UL << (peerIdentity & 63))) != 0) return true;
        return Addresses is not null && AddressAdmitted(peer);
    }

    private bool AddressAdmitted(in Endpoint peer) => peer.Address is { } a && Addresses!.Contains(a);

    /// <summary>True when no rule admits anything here.</summary>
    public bool IsEmpty => !AnyPeer && Addresses is null && Array.TrueForAll(Peers, w => w == 0);

    public PortClass WithPeers(ulong[] peers) => new(RuleIds, peers, AnyPeer, Addresses);
}

/// <summary>A union of address ranges per family, kept sorted and disjoint for binary search.</summary>
internal sealed class AddressSet
{
    private readonly UInt128[] _v4First, _v4Last, _v6First, _v6Last;

    private AddressSet(UInt128[] v4First, UInt128[] v4Last, UInt128[] v6First, UInt128[] v6Last)
    {
        _v4First = v4First;
        _v4Last = v4Last;
        _v6First = v6First;
        _v6Last = v6Last;
    }

    public static AddressSet? Of(IEnumerable<IpBlock> blocks)
    {
        var v4 = new List<(UInt128 First, UInt128 Last)>();
        var v6 = new List<(UInt128 First, UInt128 Last)>();
        foreach (var block in blocks)
        {
            foreach (var (first, last) in Nftables.AddressRanges.Of(block))
            {
                (first.IsV6 ? v6 : v4).Add((first.Value, last.Value));
            }
        }
        if (v4.Count == 0 && v6.Count == 0) return null;
        var (f4, l4) = Merge(v4);
        var (f6, l6) = Merge(v6);
        return new AddressSet(f4, l4, f6, l6);
    }

    public bool Contains(in NetAddress address) =>
        address.IsV6 ? Contains(_v6First, _v6Last, address.Value) : Contains(_v4First, _v4Last, address.Value);

    private static bool Contains(UInt128[] first, UInt128[] last, UInt128 value)
    {
        int lo = 0, hi = first.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (first[mid] <= value)
            {
                found = mid;
                lo = mid + 1;
            }
            else hi = mid - 1;
        }
        return found >= 0 && value <= last[found];
    }

    private static (UInt128[] First, UInt128[] Last) Merge(List<(UInt128 First, UInt128 Last)> ranges)
    {
        ranges.Sort((a, b) => a.First.CompareTo(b.First));
        var first = new List<UInt128>();
        var last = new List<UInt128>();
        foreach (var (f, l) in ranges)
        {
            if (last.Count > 0 && (last[^1] == UInt128.MaxValue || f <= last[^1] + 1))
            {
                if (l > last[^1]) last[^1] = l;
                continue;
            }
            first.Add(f);
            last.Add(l);
        }
        return ([.. first], [.. last]);
    }
}
