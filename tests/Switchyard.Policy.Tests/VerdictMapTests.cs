using CsCheck;
using k8s;
using k8s.Models;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;

namespace Switchyard.Policy.Tests;

/// <summary>
/// The verdict maps (port classes × peer identity bits) must decide every side exactly like walking the
/// selecting policies' rules and evaluating their selectors, and report the same admitting rule.
/// </summary>
public sealed class VerdictMapTests
{
    [Fact]
    public void Decide_RandomClusters_EverySideMatchesRuleWalk() =>
        Gen.Select(RandomClusters.Cluster, RandomClusters.Policies).Sample((cluster, policies) =>
            AssertMatchesRuleWalk(PolicyCompiler.Compile(cluster.Concat(policies))), iter: 200);

    [Fact]
    public void Decide_IncrementallyBuiltIndex_EverySideMatchesRuleWalk() =>
        Gen.Select(RandomClusters.Cluster, RandomClusters.Policies, RandomClusters.Labels.Array[3]).Sample((cluster, policies, relabels) =>
        {
            var compiler = new PolicyCompiler();
            foreach (var o in cluster) compiler.Upsert(o);
            compiler.Snapshot();
            foreach (var p in policies)
            {
                compiler.Upsert(p);
                AssertMatchesRuleWalk(compiler.Snapshot());
            }
            var pods = cluster.OfType<V1Pod>().ToList();
            for (var i = 0; i < relabels.Length && i < pods.Count; i++)
            {
                var pod = pods[i];
                compiler.Upsert(TestCluster.Pod(pod.Metadata.NamespaceProperty, pod.Metadata.Name, relabels[i], pod.Status.PodIP, ports: pod.Spec.Containers[0].Ports));
                compiler.Upsert(TestCluster.Namespace($"n{i}", new() { ["env"] = relabels[i].Count % 2 == 0 ? "dev" : "prod" }));
                AssertMatchesRuleWalk(compiler.Snapshot());
            }
        }, iter: 100);

    [Fact]
    public void Decide_SameLabelsDifferentNamedPorts_ResolvesPerPod()
    {
        var objects = new List<IKubernetesObject<V1ObjectMeta>>
        {
            TestCluster.Namespace("x"),
            TestCluster.Pod("x", "client", new() { ["app"] = "client" }, "10.0.0.1"),
            TestCluster.Pod("x", "web-1", new() { ["app"] = "web" }, "10.0.0.2", ports: [new V1ContainerPort { ContainerPort = 80, Name = "http" }]),
            TestCluster.Pod("x", "web-2", new() { ["app"] = "web" }, "10.0.0.3", ports: [new V1ContainerPort { ContainerPort = 8080, Name = "http" }]),
        };
        objects.AddRange(TestCluster.Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web, namespace: x}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{ports: [{port: http}]}]
            """));
        var index = PolicyCompiler.Compile(objects);
        Assert.Equal(index.IdentityOf(index.FindPod("x", "web-1")!), index.IdentityOf(index.FindPod("x", "web-2")!));
        Assert.True(index.Decide("x/client", "x/web-1", 80).Allowed);
        Assert.False(index.Decide("x/client", "x/web-1", 8080).Allowed);
        Assert.False(index.Decide("x/client", "x/web-2", 80).Allowed);
        Assert.True(index.Decide("x/client", "x/web-2", 8080).Allowed);
        Assert.Equal("x/web ingress[0]", index.Decide("x/client", "x/web-2", 8080).Ingress.AdmittedBy!.Label);
    }

    [Fact]
    public void Decide_ManyPoliciesSelectPod_ReportsFirstAdmittingRuleInPolicyOrder()
    {
        var yaml = string.Join("---\n", Enumerable.Range(0, 50).Select(i => """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: pNN, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - {from: [{podSelector: {matchLabels: {pod: c}}}], ports: [{port: P1}]}
              - {from: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: P2, endPort: P3}]}

            """.Replace("NN", $"{i:D2}", StringComparison.Ordinal).Replace("P1", $"{1000 + i}", StringComparison.Ordinal)
                .Replace("P2", $"{2000 + i}", StringComparison.Ordinal).Replace("P3", $"{2100 + i}", StringComparison.Ordinal)));
        var index = TestCluster.Index(yaml);
        Assert.Equal("x/p07 ingress[0]", index.Decide("x/c", "x/a", 1007).Ingress.AdmittedBy!.Label);
        Assert.Equal("x/p00 ingress[1]", index.Decide("y/b", "x/a", 2050).Ingress.AdmittedBy!.Label);
        Assert.Equal("x/p49 ingress[1]", index.Decide("y/b", "x/a", 2149).Ingress.AdmittedBy!.Label);
        Assert.False(index.Decide("y/b", "x/a", 2150).Allowed);
        Assert.False(index.Decide("x/b", "x/a", 1007).Allowed);
        Assert.Null(index.Decide("x/b", "x/a", 1007).Ingress.AdmittedBy);
    }

    private static void AssertMatchesRuleWalk(PolicyIndex index)
    {
        foreach (var (key, v) in RandomClusters.Probes(index))
        {
            AssertSide(index, key, v.Egress, v.Source, v.Destination, v.Port, v.Protocol);
            AssertSide(index, key, v.Ingress, v.Destination, v.Source, v.Port, v.Protocol);
        }
    }

    private static void AssertSide(PolicyIndex index, string key, SideDecision side, Endpoint self, Endpoint peer, int port, L4Protocol protocol)
    {
        var (outcome, rule) = RuleWalk(index, side.Direction, self, peer, port, protocol);
        Assert.True(outcome == side.Outcome, $"{key} {side.Direction}: expected {outcome}, got {side.Outcome}");
        Assert.Same(rule, side.AdmittedBy);
    }

    /// <summary>The reference: evaluate every selector of every rule of every selecting policy, in order.</summary>
    private static (SideOutcome, CompiledRule?) RuleWalk(PolicyIndex index, PolicyDirection direction, Endpoint self, Endpoint peer, int port, L4Protocol protocol)
    {
        if (self.Pod is { } me && peer.Pod is { } other && me.Key == other.Key) return (SideOutcome.Itself, null); // a pod cannot block itself
        if (self.Pod is not { } pod || pod.HostNetwork || index.IdentityOf(pod) is not { } identity) return (SideOutcome.NotSelectable, null);
        if (identity.Policies(direction).Length == 0) return (SideOutcome.NotIsolated, null);
        var destination = direction == PolicyDirection.Ingress ? pod : peer.Pod;
        foreach (var rule in identity.Rules(direction))
        {
            if (index.PeerMatchesDirectly(rule, peer) && rule.MatchesPort(port, protocol, destination)) return (SideOutcome.Allowed, rule);
        }
        return (SideOutcome.Denied, null);
    }
}
