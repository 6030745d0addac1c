using System.Text;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;

namespace Switchyard.Policy.Matrix;

/// <summary>
/// Probes every ordered pair of distinct pods on every port/protocol the destination pod declares,
/// as the upstream NetworkPolicy e2e suite does, and renders the result as truth-table grids.
/// </summary>
public static class ReachabilityMatrix
{
    /// <summary>All probes, sources and destinations sorted by namespace/name. With <paramref name="ns"/>, only pods of that namespace.</summary>
    public static IReadOnlyList<Probe> Probe(PolicyIndex index, string? ns = null)
    {
        var pods = SortedPods(index, ns);
        var probes = new List<Probe>();
        foreach (var from in pods)
        {
            var source = Endpoint.ForPod(from);
            foreach (var to in pods)
            {
                if (ReferenceEquals(from, to)) continue;
                var destination = Endpoint.ForPod(to);
                foreach (var (port, protocol) in DistinctPorts(to))
                {
                    var v = index.Decide(source, destination, port, protocol);
                    probes.Add(new Probe(from.Key, to.Key, port, protocol, v.Allowed, VerdictText.Reason(v)));
                }
            }
        }
        return probes;
    }

    public static IReadOnlyList<PodEntry> SortedPods(PolicyIndex index, string? ns) =>
        index.Pods.Where(p => ns is null || p.Namespace == ns)
            .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();

    public static IEnumerable<(int Port, L4Protocol Protocol)> DistinctPorts(PodEntry pod) =>
        pod.Ports.Select(p => (p.Port, p.Protocol)).Distinct().OrderBy(p => p.Protocol).ThenBy(p => p.Port);

    /// <summary>
    /// One grid per port/protocol: rows are sources, columns destinations; "." allowed, "X" denied,
    /// "-" the pod itself or a destination that does not serve that port.
    /// </summary>
    public static string RenderTable(IReadOnlyList<Probe> probes, IReadOnlyList<string> pods)
    {
        var sb = new StringBuilder();
        var byKey = probes.ToDictionary(p => (p.From, p.To, p.Port, p.Protocol));
        var width = Math.Max(4, pods.Count == 0 ? 0 : pods.Max(p => p.Length));
        foreach (var (port, protocol) in probes.Select(p => (p.Port, p.Protocol)).Distinct().OrderBy(p => p.Protocol).ThenBy(p => p.Port))
        {
            if (sb.Length > 0) sb.AppendLine();
            var allowed = probes.Count(p => p.Port == port && p.Protocol == protocol && p.Allowed);
            var total = probes.Count(p => p.Port == port && p.Protocol == protocol);
            sb.Append(port).Append('/').Append(protocol.Name()).Append(": ").Append(allowed).Append(" of ").Append(total).AppendLine(" allowed");
            var header = new StringBuilder(new string(' ', width));
            foreach (var to in pods) header.Append(' ').Append(to.PadRight(width));
            sb.AppendLine(header.ToString().TrimEnd());
            foreach (var from in pods)
            {
                var row = new StringBuilder(from.PadRight(width));
                foreach (var to in pods)
                {
                    var cell = byKey.TryGetValue((from, to, port, protocol), out var p) ? (p.Allowed ? "." : "X") : "-";
                    row.Append(' ').Append(cell.PadRight(width));
                }
                sb.AppendLine(row.ToString().TrimEnd());
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// A compact grid for one port (used by tests to state expectations): a header line of destination
    /// names, then one line per source: name then one cell per destination.
    /// </summary>
    public static string Grid(PolicyIndex index, int port, L4Protocol protocol, string? ns = null)
    {
        var pods = SortedPods(index, ns);
        var sb = new StringBuilder();
        foreach (var from in pods)
        {
            sb.Append(from.Key).Append(' ');
            foreach (var to in pods)
            {
                sb.Append(ReferenceEquals(from, to) ? '-' : index.Decide(Endpoint.ForPod(from), Endpoint.ForPod(to), port, protocol).Allowed ? '.' : 'X');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
