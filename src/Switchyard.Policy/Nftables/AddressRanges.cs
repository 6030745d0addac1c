using Switchyard.Model.Networking;
using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Nftables;

/// <summary>An ipBlock as disjoint address ranges: the CIDR minus its exceptions.</summary>
internal static class AddressRanges
{
    public static List<(NetAddress First, NetAddress Last)> Of(IpBlock block)
    {
        var family = block.Cidr.Family;
        var ranges = new List<(UInt128 First, UInt128 Last)> { Bounds(block.Cidr) };
        foreach (var e in block.Except)
        {
            if (e.Family != family) continue;
            var (ef, el) = Bounds(e);
            var next = new List<(UInt128, UInt128)>();
            foreach (var (f, l) in ranges)
            {
                if (el < f || ef > l)
                {
                    next.Add((f, l));
                    continue;
                }
                if (ef > f) next.Add((f, ef - 1));
                if (el < l) next.Add((el + 1, l));
            }
            ranges = next;
        }
        return ranges.Select(r => (new NetAddress(r.First, family), new NetAddress(r.Last, family))).ToList();
    }

    private static (UInt128 First, UInt128 Last) Bounds(IpPrefix cidr) => (cidr.Network.Value, cidr.Last.Value);

    public static string Format((NetAddress First, NetAddress Last) range) =>
        range.First == range.Last ? range.First.ToString() : $"{range.First}-{range.Last}";
}
