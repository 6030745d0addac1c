using k8s;
using k8s.Models;

namespace Switchyard.Bench.Policy;

/// <summary>
/// A synthetic cluster with realistic label cardinality: namespaces labelled by team and environment;
/// in each, deployments whose pods share app/tier/version/pod-template-hash labels; per namespace a
/// default-deny policy plus allow rules by app, by team namespace, by ipBlock, and DNS egress.
/// Deterministic for a given seed.
/// </summary>
internal sealed class SyntheticCluster(int namespaces, int podsPerNamespace, int policiesPerNamespace, int seed = 42)
{
    private const int AppsPerNamespace = 10;
    private static readonly string[] Tiers = ["frontend", "backend", "db"];
    private static readonly string[] Envs = ["prod", "staging", "dev"];

    public List<V1Namespace> Namespaces { get; } = [];
    public List<V1Pod> Pods { get; } = [];
    public List<V1NetworkPolicy> Policies { get; } = [];

    public SyntheticCluster Build()
    {
        var rng = new Random(seed);
        for (var n = 0; n < namespaces; n++)
        {
            var ns = $"ns{n:D3}";
            Namespaces.Add(new V1Namespace
            {
                ApiVersion = "v1", Kind = "Namespace",
                Metadata = new V1ObjectMeta { Name = ns, Labels = new Dictionary<string, string> { ["team"] = $"team{n % 10}", ["env"] = Envs[n % 3] } },
            });
            for (var p = 0; p < podsPerNamespace; p++)
            {
                var app = p % AppsPerNamespace;
                var version = (p / AppsPerNamespace) % 2 == 0 ? "v1" : "v2";
                var ip = Pods.Count + 1;
                Pods.Add(new V1Pod
                {
                    ApiVersion = "v1", Kind = "Pod",
                    Metadata = new V1ObjectMeta
                    {
                        Name = $"app{app}-{version}-{p:D4}", NamespaceProperty = ns,
                        Labels = new Dictionary<string, string>
                        {
                            ["app"] = $"app{app}", ["tier"] = Tiers[app % 3], ["version"] = version,
                            ["pod-template-hash"] = $"h{app}{version}",
                        },
                    },
                    Spec = new V1PodSpec
                    {
                        Containers = [new V1Container { Name = "main", Image = "app", Ports = [
                            new V1ContainerPort { ContainerPort = 8080, Name = "http", Protocol = "TCP" },
                            new V1ContainerPort { ContainerPort = 9090, Name = "metrics", Protocol = "TCP" }] }],
                    },
                    Status = new V1PodStatus { Phase = "Running", PodIP = $"10.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}" },
                });
            }
            for (var k = 0; k < policiesPerNamespace; k++) Policies.Add(Policy(ns, n, k, rng));
        }
        return this;
    }

    public IEnumerable<IKubernetesObject<V1ObjectMeta>> All() =>
        Namespaces.Cast<IKubernetesObject<V1ObjectMeta>>().Concat(Pods).Concat(Policies);

    public static V1NetworkPolicy Policy(string ns, int n, int k, Random rng)
    {
        var meta = new V1ObjectMeta { Name = $"policy-{k:D3}", NamespaceProperty = ns };
        var target = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = $"app{k % AppsPerNamespace}" } };
        V1NetworkPolicySpec spec = (k % 5) switch
        {
            0 when k == 0 => new() { PodSelector = new V1LabelSelector(), PolicyTypes = ["Ingress"] },
            0 => new()
            {
                PodSelector = target, PolicyTypes = ["Egress"],
                Egress = [
                    new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Port = 53, Protocol = "UDP" }, new V1NetworkPolicyPort { Port = 53, Protocol = "TCP" }] },
                    new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector() }] },
                    new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = $"team{n % 10}" } } }] },
                ],
            },
            1 => new()
            {
                PodSelector = target,
                Ingress = [new V1NetworkPolicyIngressRule
                {
                    FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = $"app{rng.Next(AppsPerNamespace)}" } } }],
                    Ports = [new V1NetworkPolicyPort { Port = "http" }],
                }],
            },
            2 => new()
            {
                PodSelector = target,
                Ingress = [new V1NetworkPolicyIngressRule
                {
                    FromProperty = [new V1NetworkPolicyPeer
                    {
                        NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = $"team{rng.Next(10)}" } },
                        PodSelector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["frontend", "backend"] }] },
                    }],
                    Ports = [new V1NetworkPolicyPort { Port = 8080 }, new V1NetworkPolicyPort { Port = 9000, EndPort = 9100 }],
                }],
            },
            3 => new()
            {
                PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["tier"] = Tiers[k % 3] } },
                Ingress = [new V1NetworkPolicyIngressRule
                {
                    FromProperty = [
                        new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8", Except = [$"10.0.{rng.Next(40)}.0/24"] } },
                        new V1NetworkPolicyPeer { NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["env"] = "prod" } } },
                    ],
                    Ports = [new V1NetworkPolicyPort { Port = "metrics" }],
                }],
            },
            _ => new()
            {
                PodSelector = target,
                Ingress = [new V1NetworkPolicyIngressRule
                {
                    FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "version", OperatorProperty = "NotIn", Values = ["v2"] }] } }],
                }],
            },
        };
        return new V1NetworkPolicy { ApiVersion = "networking.k8s.io/v1", Kind = "NetworkPolicy", Metadata = meta, Spec = spec };
    }
}
