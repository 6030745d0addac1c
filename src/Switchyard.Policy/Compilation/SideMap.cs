using Switchyard.Model.Networking;

namespace Switchyard.Policy.Compilation;

/// <summary>
/// Cilium's policy map idea for one set of selecting policies and one direction: the ports are cut into
/// classes (ranges per protocol where the same rules apply, plus one class per named port), and each class
/// holds which peers those rules admit (<see cref="PortClass"/>). A verdict is a class lookup and a bit test,
/// whatever the number of policies. Identities selected by the same policies share one map.
/// </summary>
internal sealed class SideMap
{
    private const int Protocols = 3;

    private readonly int[][] _starts;
    private readonly PortClass[][] _classes;
    private readonly NamedClass[] _named;
    private readonly PortClass _unknownProtocol;

    private SideMap(int[][] starts, PortClass[][] classes, NamedClass[] named, PortClass unknownProtocol)
    {
        _starts = starts;
        _classes = classes;
        _named = named;
        _unknownProtocol = unknownProtocol;
    }

    /// <summary>A named port class: rules naming container port <see cref="NameId"/> with <see cref="Protocol"/>.</summary>
    internal readonly record struct NamedClass(int NameId, L4Protocol Protocol, PortClass Class);

    /// <summary>
    /// Whether any rule admits <paramref name="peerIdentity"/> (-1: none) or <paramref name="address"/> on
    /// <paramref name="port"/>/<paramref name="protocol"/>; named ports resolve against <paramref name="destination"/>.
    /// </summary>
    public bool Admits(int peerIdentity, in NetAddress? address, int port, L4Protocol protocol, PodEntry? destination)
    {
        if (ClassOf(port, protocol).Admits(peerIdentity, address)) return true;
        if (_named.Length == 0 || destination is null) return false;
        var declared = destination.NamedPorts;
        var ids = destination.NamedPortIds;
        for (var i = 0; i < declared.Length && i < ids.Length; i++)
        {
            if (declared[i].Port != port || declared[i].Protocol != protocol) continue;
            foreach (var named in _named)
            {
                if (named.NameId == ids[i] && named.Protocol == protocol && named.Class.Admits(peerIdentity, address)) return true;
            }
        }
        return false;
    }

    private PortClass ClassOf(int port, L4Protocol protocol)
    {
        var p = (int)protocol;
        if (p >= Protocols) return _unknownProtocol;
        var starts = _starts[p];
        int lo = 0, hi = starts.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= port) lo = mid;
            else hi = mid - 1;
        }
        return _classes[p][lo];
    }

    /// <summary>Number of port classes (numeric and named), for diagnostics.</summary>
    public int ClassCount => _classes.Sum(c => c.Length) + _named.Length;

    /// <summary>
    /// Builds the map of <paramref name="rules"/> (the flattened rules of the selecting policies).
    /// <paramref name="rulePeers"/> gives, per rule id, the bitset of identities its selector peers admit.
    /// </summary>
    public static SideMap Build(CompiledRule[] rules, Func<int, ulong[]> rulePeers, Func<string, int> nameId)
    {
        var starts = new int[Protocols][];
        var classes = new PortClass[Protocols][];
        for (var p = 0; p < Protocols; p++)
        {
            var protocol = (L4Protocol)p;
            var cuts = new SortedSet<int> { int.MinValue };
            foreach (var rule in rules)
            {
                foreach (var port in rule.Ports)
                {
                    if (port.Name is not null || port.Protocol != protocol || port.Start > port.End) continue;
                    cuts.Add(port.Start);
                    cuts.Add(port.End + 1);
                }
            }
            var s = new List<int>();
            var c = new List<PortClass>();
            List<CompiledRule>? previous = null;
            foreach (var start in cuts)
            {
                var matching = rules.Where(r => r.AnyPort || r.Ports.Any(x => x.Name is null && x.Protocol == protocol && x.Start <= start && start <= x.End)).ToList();
                if (previous is not null && previous.SequenceEqual(matching)) continue;
                s.Add(start);
                c.Add(ClassFor(matching, rulePeers));
                previous = matching;
            }
            starts[p] = [.. s];
            classes[p] = [.. c];
        }
        var named = rules
            .SelectMany(r => r.Ports.Where(x => x.Name is not null).Select(x => (Key: (x.Name!, x.Protocol), Rule: r)))
            .GroupBy(x => x.Key)
            .Select(g => new NamedClass(nameId(g.Key.Item1), g.Key.Protocol, ClassFor(g.Select(x => x.Rule).Distinct().ToList(), rulePeers)))
            .ToArray();
        var unknown = ClassFor(rules.Where(r => r.AnyPort).ToList(), rulePeers);
        return new SideMap(starts, classes, named, unknown);
    }

    private static PortClass ClassFor(List<CompiledRule> rules, Func<int, ulong[]> rulePeers)
    {
        if (rules.Count == 0) return PortClass.None;
        if (rules.Any(r => r.AnyPeer)) return new PortClass([], [], true, null);
        var ids = rules.Where(r => r.Peers.Any(p => p.SelectsPods)).Select(r => r.Id).ToArray();
        ulong[] peers = [];
        foreach (var id in ids)
        {
            var bits = rulePeers(id);
            if (peers.Length < bits.Length) Array.Resize(ref peers, bits.Length);
            for (var w = 0; w < bits.Length; w++) peers[w] |= bits[w];
        }
        return new PortClass(ids, peers, false, AddressSet.Of(rules.SelectMany(r => r.IpBlocks)));
    }

    /// <summary>
    /// This map with the bits of identities <paramref name="changed"/> recomputed from their rule bitsets
    /// (<paramref name="ruleBits"/>: null for an identity that no longer exists). Returns this instance when no bit moves.
    /// </summary>
    public SideMap WithColumns(IReadOnlyCollection<int> changed, Func<int, ulong[]?> ruleBits, Dictionary<PortClass, PortClass> done)
    {
        var moved = false;
        var classes = new PortClass[Protocols][];
        for (var p = 0; p < Protocols; p++)
        {
            classes[p] = new PortClass[_classes[p].Length];
            for (var i = 0; i < classes[p].Length; i++)
            {
                classes[p][i] = Update(_classes[p][i], changed, ruleBits, done);
                moved |= !ReferenceEquals(classes[p][i], _classes[p][i]);
            }
        }
        var named = new NamedClass[_named.Length];
        for (var i = 0; i < named.Length; i++)
        {
            named[i] = _named[i] with { Class = Update(_named[i].Class, changed, ruleBits, done) };
            moved |= !ReferenceEquals(named[i].Class, _named[i].Class);
        }
        var unknown = Update(_unknownProtocol, changed, ruleBits, done);
        moved |= !ReferenceEquals(unknown, _unknownProtocol);
        return moved ? new SideMap(_starts, classes, named, unknown) : this;
    }

    private static PortClass Update(PortClass c, IReadOnlyCollection<int> changed, Func<int, ulong[]?> ruleBits, Dictionary<PortClass, PortClass> done)
    {
        if (c.RuleIds.Length == 0) return c;
        if (done.TryGetValue(c, out var updated)) return updated;
        ulong[]? copy = null;
        foreach (var id in changed)
        {
            var bits = ruleBits(id);
            var want = false;
            if (bits is not null)
            {
                foreach (var r in c.RuleIds)
                {
                    var w = r >> 6;
                    if (w < bits.Length && (bits[w] & (1UL << (r & 63))) != 0)
                    {
                        want = true;
                        break;
                    }
                }
            }
            var current = copy ?? c.Peers;
            var word = id >> 6;
            var has = word < current.Length && (current[word] & (1UL << (id & 63))) != 0;
            if (has == want) continue;
            if (copy is null)
            {
                copy = (ulong[])c.Peers.Clone();
            }
            if (word >= copy.Length) Array.Resize(ref copy, word + 1);
            if (want) copy[word] |= 1UL << (id & 63);
            else copy[word] &= ~(1UL << (id & 63));
        }
        updated = copy is null ? c : c.WithPeers(copy);
        done[c] = updated;
        return updated;
    }
}
