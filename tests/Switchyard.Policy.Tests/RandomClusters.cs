using CsCheck;
using k8s;
using k8s.Models;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;

namespace Switchyard.Policy.Tests;

/// <summary>Generators of small random clusters and policies, and a fingerprint of every verdict for comparing indexes.</summary>
internal static class RandomClusters
{
    private static readonly string[] Keys = ["app", "tier"];
    private static readonly string[] Values = ["a", "b", "c"];
    private static readonly string[] NamespaceNames = ["n0", "n1", "n2"];

    public static readonly Gen<Dictionary<string, string>> Labels =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3]).Select((a, t) =>
        {
            var d = new Dictionary<string, string>();
            if (a < 3) d["app"] = Values[a];
            if (t < 3) d["tier"] = Values[t];
            return d;
        });

    public static readonly Gen<V1LabelSelector> LabelSelector =
        Gen.OneOf(
            Gen.Const(new V1LabelSelector()),
            Gen.Select(Gen.Int[0, 1], Gen.Int[0, 2]).Select((k, v) => new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [Keys[k]] = Values[v] } }),
            Gen.Select(Gen.Int[0, 1], Gen.Int[0, 3], Gen.Int[0, 2]).Select((k, op, v) => new V1LabelSelector
            {
                MatchExpressions =
                [
                    new V1LabelSelectorRequirement
                    {
                        Key = Keys[k],
                        OperatorProperty = new[] { "In", "NotIn", "Exists", "DoesNotExist" }[op],
                        Values = op < 2 ? [Values[v]] : null,
                    },
                ],
            }));

    public static readonly Gen<V1LabelSelector> NamespaceSelector =
        Gen.OneOf(Gen.Const(new V1LabelSelector()), Gen.Int[0, 1].Select(e => new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["env"] = e == 0 ? "prod" : "dev" } }));

    public static readonly Gen<V1NetworkPolicyPeer> Peer =
        Gen.Frequency(
            (3, LabelSelector.Select(s => new V1NetworkPolicyPeer { PodSelector = s })),
            (2, NamespaceSelector.Select(s => new V1NetworkPolicyPeer { NamespaceSelector = s })),
            (2, Gen.Select(LabelSelector, NamespaceSelector).Select((p, n) => new V1NetworkPolicyPeer { PodSelector = p, NamespaceSelector = n })),
            (1, Gen.Int[0, 2].Select(i => new V1NetworkPolicyPeer
            {
                IpBlock = new V1IPBlock { Cidr = new[] { "10.1.0.0/16", "10.1.0.0/29", "192.0.2.0/24" }[i], Except = i == 0 ? ["10.1.0.4/30"] : null },
            })));

    public static readonly Gen<V1NetworkPolicyPort> Port =
        Gen.OneOf(
            Gen.Const(new V1NetworkPolicyPort { Port = 80 }),
            Gen.Const(new V1NetworkPolicyPort { Port = "http" }),
            Gen.Const(new V1NetworkPolicyPort { Port = 81, Protocol = "UDP" }),
            Gen.Const(new V1NetworkPolicyPort { Port = 8000, EndPort = 8100 }),
            Gen.Const(new V1NetworkPolicyPort { Protocol = "UDP" }));

    private static Gen<IList<T>?> OptionalList<T>(Gen<T> item) =>
        Gen.Int[0, 3].SelectMany(n => n == 0 ? Gen.Const(() => (IList<T>?)null) : item.List[0, 2].Select(l => (IList<T>?)l));

    public static readonly Gen<V1NetworkPolicyIngressRule> IngressRule =
        Gen.Select(OptionalList(Peer), OptionalList(Port)).Select((f, p) => new V1NetworkPolicyIngressRule { FromProperty = f, Ports = p });

    public static readonly Gen<V1NetworkPolicyEgressRule> EgressRule =
        Gen.Select(OptionalList(Peer), OptionalList(Port)).Select((t, p) => new V1NetworkPolicyEgressRule { To = t, Ports = p });

    public static Gen<V1NetworkPolicy> Policy(string name) =>
        Gen.Select(Gen.Int[0, 2], LabelSelector, Gen.Int[0, 3], OptionalList(IngressRule), OptionalList(EgressRule))
            .Select((ns, selector, types, ingress, egress) => new V1NetworkPolicy
            {
                ApiVersion = "networking.k8s.io/v1",
                Kind = "NetworkPolicy",
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = NamespaceNames[ns] },
                Spec = new V1NetworkPolicySpec
                {
                    PodSelector = selector,
                    PolicyTypes = types switch { 0 => null, 1 => ["Ingress"], 2 => ["Egress"], _ => ["Ingress", "Egress"] },
                    Ingress = ingress,
                    Egress = egress,
                },
            });

    public static readonly Gen<List<V1NetworkPolicy>> Policies =
        Gen.Select(Gen.Int[0, 5], Policy("p0"), Policy("p1"), Policy("p2"), Policy("p3"), Policy("p4"))
            .Select((n, a, b, c, d, e) => new List<V1NetworkPolicy> { a, b, c, d, e }.Take(n).ToList());

    public static readonly Gen<List<IKubernetesObject<V1ObjectMeta>>> Cluster =
        Gen.Select(Gen.Int[0, 1].Array[3], Gen.Select(Gen.Int[0, 2], Labels, Gen.Int[0, 1]).Array[6])
            .Select((envs, pods) =>
            {
                var list = new List<IKubernetesObject<V1ObjectMeta>>();
                for (var i = 0; i < 3; i++)
                {
                    list.Add(TestCluster.Namespace(NamespaceNames[i], new() { ["env"] = envs[i] == 0 ? "prod" : "dev" }));
                }
                for (var i = 0; i < pods.Length; i++)
                {
                    var (ns, labels, httpPort) = pods[i];
                    list.Add(TestCluster.Pod(NamespaceNames[ns], $"p{i}", labels, $"10.1.0.{i + 1}", ports:
                    [
                        new V1ContainerPort { ContainerPort = httpPort == 0 ? 80 : 8080, Name = "http", Protocol = "TCP" },
                        new V1ContainerPort { ContainerPort = 81, Protocol = "UDP" },
                    ]));
                }
                return list;
            });

    private static readonly (int Port, L4Protocol Protocol)[] ProbePorts = [(80, L4Protocol.TCP), (8080, L4Protocol.TCP), (81, L4Protocol.UDP), (8050, L4Protocol.TCP)];

    /// <summary>Every probe's verdict (pods pairwise and to/from an external address) as a string.</summary>
    public static string Fingerprint(PolicyIndex index) => string.Join("\n", Probes(index).Select(p => $"{p.Key}={(p.Verdict.Allowed ? 1 : 0)}"));

    public static IEnumerable<(string Key, Verdict Verdict)> Probes(PolicyIndex index)
    {
        var endpoints = index.Pods.OrderBy(p => p.Key, StringComparer.Ordinal).Select(Endpoint.ForPod).ToList();
        endpoints.Add(index.Resolve("192.0.2.9")!.Value);
        foreach (var s in endpoints)
        {
            foreach (var d in endpoints)
            {
                if (!s.IsPod && !d.IsPod) continue;
                foreach (var (port, protocol) in ProbePorts)
                {
                    yield return ($"{s}>{d}:{port}/{protocol}", index.Decide(s, d, port, protocol));
                }
            }
        }
    }
}
