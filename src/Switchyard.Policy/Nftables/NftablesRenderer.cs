using System.Globalization;
using System.Text;
using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Nftables;

/// <summary>
/// Renders a node's NetworkPolicy enforcement as one nftables table, sized by pods + policies rather than
/// pod pairs: a map from every pod address to its identity number, verdict maps that send traffic of
/// isolated local pods to their identity's chain, one chain per policy and direction, and per rule a set of
/// the identity numbers its selectors admit plus interval sets for its ipBlocks (exceptions cut out).
/// Two base chains on the same hook: egress (the source's policies) first, then ingress (the
/// destination's); <c>accept</c> in the first lets the packet on to the second, <c>drop</c> is final.
/// Replies of admitted connections pass by conntrack. The packet mark carries the peer's identity
/// between lookups (0 = outside the cluster), so the table owns the mark while a packet crosses it.
/// </summary>
public static class NftablesRenderer
{
    public static string Render(PolicyIndex index, NftablesOptions? options = null)
    {
        options ??= new NftablesOptions();
        var w = new Writer();
        var policies = index.Policies;
        var policyNumber = new Dictionary<CompiledPolicy, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < policies.Count; i++) policyNumber[policies[i]] = i;
        var pods = index.Pods.Where(p => !p.HostNetwork && p.Identity >= 0).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var local = pods.Where(p => options.LocalPods is null || options.LocalPods.Contains(p.Key)).ToList();
        var identityPods = pods.GroupBy(p => p.Identity).ToDictionary(g => g.Key, g => g.ToList());

        w.Line($"table inet {options.TableName} {{");
        // 1. Address -> identity (id + 1; 0 means "not a pod").
        Map(w, "identity4", "ipv4_addr : mark", pods.SelectMany(p => p.Addresses.Where(a => !a.IsV6).Select(a => $"{a} : {p.Identity + 1}")));
        Map(w, "identity6", "ipv6_addr : mark", pods.SelectMany(p => p.Addresses.Where(a => a.IsV6).Select(a => $"{a} : {p.Identity + 1}")));

        // 2. Dispatch: isolated local pods -> their identity chain.
        foreach (var dir in new[] { PolicyDirection.Egress, PolicyDirection.Ingress })
        {
            var isolated = local.Where(p => index.IdentityOf(p)?.IsIsolated(dir) == true).ToList();
            Map(w, $"{Name(dir)}4", "ipv4_addr : verdict", isolated.SelectMany(p => p.Addresses.Where(a => !a.IsV6).Select(a => $"{a} : jump {Name(dir)}_id{p.Identity + 1}")));
            Map(w, $"{Name(dir)}6", "ipv6_addr : verdict", isolated.SelectMany(p => p.Addresses.Where(a => a.IsV6).Select(a => $"{a} : jump {Name(dir)}_id{p.Identity + 1}")));
        }

        // 3. Rule sets and policy chains.
        var chains = new StringBuilder();
        foreach (var policy in policies)
        {
            foreach (var dir in new[] { PolicyDirection.Ingress, PolicyDirection.Egress })
            {
                if (!policy.Affects(dir)) continue;
                var chain = new Writer();
                chain.Line($"\tchain p{policyNumber[policy]}_{Name(dir)} {{");
                chain.Line($"\t\tcomment \"{policy.Key} {Name(dir)}\"");
                foreach (var rule in policy.Rules(dir)) RenderRule(w, chain, index, rule, identityPods);
                chain.Line("\t}");
                chains.Append(chain);
            }
        }

        // 4. Identity chains: try each selecting policy, then drop.
        var usedIdentities = local.Select(p => p.Identity).Distinct().Order();
        foreach (var id in usedIdentities)
        {
            var identity = index.IdentityById(id)!;
            foreach (var dir in new[] { PolicyDirection.Egress, PolicyDirection.Ingress })
            {
                if (!identity.IsIsolated(dir)) continue;
                chains.Append(CultureInfo.InvariantCulture, $"\tchain {Name(dir)}_id{id + 1} {{\n");
                foreach (var p in identity.Policies(dir)) chains.Append(CultureInfo.InvariantCulture, $"\t\tjump p{policyNumber[p]}_{Name(dir)}\n");
                chains.Append("\t\tdrop\n\t}\n");
            }
        }

        // 5. Base chains.
        BaseChain(w, "egress", options.Hook, "filter", "daddr", "saddr");
        BaseChain(w, "ingress", options.Hook, "filter + 10", "saddr", "daddr");
        w.Raw(chains.ToString());
        w.Line("}");
        return w.ToString();
    }

    private static string Name(PolicyDirection d) => d == PolicyDirection.Ingress ? "ingress" : "egress";

    private static void BaseChain(Writer w, string name, string hook, string priority, string peerField, string selfField)
    {
        w.Line($"\tchain {name} {{");
        w.Line($"\t\ttype filter hook {hook} priority {priority}; policy accept;");
        w.Line("\t\tct state established,related accept");
        w.Line("\t\tmeta mark set 0");
        w.Line($"\t\tmeta mark set ip {peerField} map @identity4");
        w.Line($"\t\tmeta mark set ip6 {peerField} map @identity6");
        w.Line($"\t\tip {selfField} vmap @{name}4");
        w.Line($"\t\tip6 {selfField} vmap @{name}6");
        w.Line("\t}");
    }

    private static void RenderRule(Writer sets, Writer chain, PolicyIndex index, CompiledRule rule, Dictionary<int, List<PodEntry>> identityPods)
    {
        var prefix = $"r{rule.Id}";
        var peerField = rule.Direction == PolicyDirection.Ingress ? "saddr" : "daddr";
        var peers = new List<(string Match, int Family)>();
        if (rule.AnyPeer) peers.Add(("", 0));
        else
        {
            var ids = index.Identities.Where(i => i.HasRuleBit(rule.Id) && identityPods.ContainsKey(i.Id)).Select(i => (i.Id + 1).ToString(CultureInfo.InvariantCulture)).ToList();
            if (ids.Count > 0)
            {
                Set(sets, $"{prefix}_ids", "mark", ids, interval: false);
                peers.Add(($"meta mark @{prefix}_ids", 0));
            }
            foreach (var v6 in new[] { false, true })
            {
                var ranges = rule.IpBlocks.Where(b => b.Cidr.Network.IsV6 == v6).SelectMany(AddressRanges.Of).Select(AddressRanges.Format).ToList();
                if (ranges.Count == 0) continue;
                var set = $"{prefix}_net{(v6 ? 6 : 4)}";
                Set(sets, set, v6 ? "ipv6_addr" : "ipv4_addr", ranges, interval: true);
                peers.Add(($"{(v6 ? "ip6" : "ip")} {peerField} @{set}", v6 ? 6 : 4));
            }
        }
        var ports = new List<(string Match, int Family)>();
        if (rule.AnyPort) ports.Add(("", 0));
        for (var k = 0; k < rule.Ports.Length; k++)
        {
            var port = rule.Ports[k];
            var proto = $"meta l4proto {port.Protocol.Name().ToLowerInvariant()}";
            if (port.Name is null)
            {
                if (port.Start > port.End) continue;
                ports.Add((port.IsAnyPort ? proto : port.Start == port.End ? $"{proto} th dport {port.Start}" : $"{proto} th dport {port.Start}-{port.End}", 0));
                continue;
            }
            // A named port means a different number on each destination pod: an (address . port) set.
            var destinations = rule.Direction == PolicyDirection.Ingress
                ? index.Pods.Where(p => index.IdentityOf(p)?.IngressPolicies.Contains(rule.Policy) == true)
                : index.Pods;
            foreach (var v6 in new[] { false, true })
            {
                var elements = destinations.Where(p => !p.HostNetwork)
                    .SelectMany(p => p.NamedPorts.Where(np => np.Name == port.Name && np.Protocol == port.Protocol)
                        .SelectMany(np => p.Addresses.Where(a => a.IsV6 == v6).Select(a => $"{a} . {np.Port}")))
                    .Distinct().ToList();
                if (elements.Count == 0) continue;
                var set = $"{prefix}_port{k}_{(v6 ? 6 : 4)}";
                Set(sets, set, $"{(v6 ? "ipv6_addr" : "ipv4_addr")} . inet_service", elements, interval: false);
                ports.Add(($"{proto} {(v6 ? "ip6" : "ip")} daddr . th dport @{set}", v6 ? 6 : 4));
            }
        }
        foreach (var peer in peers)
        {
            foreach (var port in ports)
            {
                // An IPv4 peer set and an IPv6 (address . port) set can never hold for one packet.
                if (peer.Family != 0 && port.Family != 0 && peer.Family != port.Family) continue;
                var match = string.Join(' ', new[] { peer.Match, port.Match }.Where(s => s.Length > 0));
                chain.Line($"\t\t{(match.Length > 0 ? match + " " : "")}accept comment \"{rule.Label}\"");
            }
        }
    }

    private static void Map(Writer w, string name, string type, IEnumerable<string> elements) => Set(w, name, type, elements.ToList(), interval: false, map: true);

    private static void Set(Writer w, string name, string type, IReadOnlyList<string> elements, bool interval, bool map = false)
    {
        w.Line($"\t{(map ? "map" : "set")} {name} {{");
        w.Line($"\t\ttype {type}");
        if (interval) w.Line("\t\tflags interval");
        if (interval) w.Line("\t\tauto-merge");
        if (elements.Count > 0) w.Line($"\t\telements = {{ {string.Join(", ", elements)} }}");
        w.Line("\t}");
    }

    private sealed class Writer
    {
        private readonly StringBuilder _sb = new();

        public void Line(string text) => _sb.Append(text).Append('\n');
        public void Raw(string text) => _sb.Append(text);
        public override string ToString() => _sb.ToString();
    }
}
