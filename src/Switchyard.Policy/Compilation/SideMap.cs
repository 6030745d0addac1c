using Switchyard.Policy.Decisions;

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
        AdmitsNothing = unknownProtocol.IsEmpty && Array.TrueForAll(named, n => n.Class.IsEmpty)
            && Array.TrueForAll(classes, row => Array.TrueForAll(row, c => c.IsEmpty));
    }

    /// <summary>No rule admits anything (the policies isolate without allowing): every verdict is a denial.</summary>
    public bool AdmitsNothing { get; }

    /// <summary>A named port class: rules naming container port <see cref="NameId"/> with <see cref="Protocol"/>.</summary>
    internal readonly record struct NamedClass(int NameId, L4Protocol Protocol, PortClass Class);

    /// <summary>
    /// Whether any rule admits <paramref name="peer"/> (identity <paramref name="peerIdentity"/>, -1: none) on
    /// <paramref name="port"/>/<paramref name="protocol"/>; named ports resolve against <paramref name="destination"/>.
    /// </summary>
    public bool Admits(int peerIdentity, in Endpoint peer, int port, L4Protocol protocol, PodEntry? destination)
    {
        if (AdmitsNothing) return false;
        if (ClassOf(port, protocol).Admits(peerIdentity, peer)) return true;
        if (_named.Length == 0 || destination is null) return false;
        var declared = destination.NamedPorts;
        var ids = destination.NamedPortIds;
        for (var i = 0; i < declared.Length && i < ids.Length; i++)
        {
            if (declared[i].Port != port || declared[i].Protocol != protocol) continue;
            foreach (var named in _named)
            {
                if (named.NameId == ids[i] && named.Protocol == protocol && named.Class.Admits(peerIdentity, peer)) return true;
            }
        }
        return false;
    }

    private PortClass ClassOf(int port, L4Protocol protocol)
    {
        var p = (int)protocol;
        if (p >= Protocols) return _unknownProtocol;
        var starts = _starts[p];
        if (starts.Length == 1) return _classes[p][0];
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
    public SideMap WithColumns(int[] changed, Func<int, ulong[]?> ruleBits)
    {
        // Copy on write: most maps keep every class when one identity changes, and then allocate nothing.
        PortClass[][]? classes = null;
        for (var p = 0; p < Protocols; p++)
        {
            for (var i = 0; i < _classes[p].Length; i++)
            {
                var next = Update(_classes[p][i], changed, ruleBits);
                if (ReferenceEquals(next, _classes[p][i])) continue;
                classes ??= _classes.Select(row => (PortClass[])row.Clone()).ToArray();
                classes[p][i] = next;
            }
        }
        NamedClass[]? named = null;
        for (var i = 0; i < _named.Length; i++)
        {
            var next = Update(_named[i].Class, changed, ruleBits);
            if (ReferenceEquals(next, _named[i].Class)) continue;
            named ??= (NamedClass[])_named.Clone();
            named[i] = _named[i] with { Class = next };
        }
        var unknown = Update(_unknownProtocol, changed, ruleBits);
        return classes is null && named is null && ReferenceEquals(unknown, _unknownProtocol)
            ? this
            : new SideMap(_starts, classes ?? _classes, named ?? _named, unknown);
    }

    private static PortClass Update(PortClass c, int[] changed, Func<int, ulong[]?> ruleBits)
    {
        if (c.RuleIds.Length == 0) return c;
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
        if (copy is null) return c;
        return c.WithPeers(copy);
    }
}
