using CsCheck;
using k8s;
using k8s.Models;

namespace Switchyard.Policy.Tests;

/// <summary>An index updated change by change must decide exactly like one compiled from scratch.</summary>
public sealed class IncrementalTests
{
    private sealed record Step(int Kind, int Target, Dictionary<string, string> Labels, V1NetworkPolicy Policy, bool Snapshot);

    private static readonly Gen<Step> Steps =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 5], RandomClusters.Labels, RandomClusters.Policy("p0"), Gen.Bool)
            .Select((kind, target, labels, policy, snap) => new Step(kind, target, labels, policy, snap));

    [Fact]
    public void Snapshot_RandomChangeSequence_SameVerdictsAsFullCompile() =>
        Gen.Select(RandomClusters.Cluster, RandomClusters.Policies, Steps.List[1, 12]).Sample((cluster, policies, steps) =>
        {
            var state = new Dictionary<string, IKubernetesObject<V1ObjectMeta>>();
            string Key(IKubernetesObject<V1ObjectMeta> o) => $"{o.Kind}/{o.Metadata.NamespaceProperty}/{o.Metadata.Name}";
            var compiler = new PolicyCompiler();
            foreach (var o in cluster.Concat(policies))
            {
                state[Key(o)] = o;
                compiler.Upsert(o);
            }
            compiler.Snapshot();
            foreach (var step in steps)
            {
                switch (step.Kind)
                {
                    case 0: // relabel a pod
                    {
                        var pod = state.Values.OfType<V1Pod>().OrderBy(p => p.Metadata.Name).ElementAtOrDefault(step.Target);
                        if (pod is null) break;
                        var copy = TestCluster.Pod(pod.Metadata.NamespaceProperty, pod.Metadata.Name, step.Labels, pod.Status.PodIP, ports: pod.Spec.Containers[0].Ports);
                        state[Key(copy)] = copy;
                        compiler.Upsert(copy);
                        break;
                    }
                    case 1: // delete a pod
                    {
                        var pod = state.Values.OfType<V1Pod>().OrderBy(p => p.Metadata.Name).ElementAtOrDefault(step.Target);
                        if (pod is null) break;
                        state.Remove(Key(pod));
                        compiler.Delete(pod);
                        break;
                    }
                    case 2: // add or replace a policy
                    {
                        var policy = step.Policy;
                        policy.Metadata.Name = $"p{step.Target}";
                        state[Key(policy)] = policy;
                        compiler.Upsert(policy);
                        break;
                    }
                    case 3: // delete a policy
                    {
                        var policy = state.Values.OfType<V1NetworkPolicy>().OrderBy(p => p.Metadata.Name).ElementAtOrDefault(step.Target);
                        if (policy is null) break;
                        state.Remove(Key(policy));
                        compiler.Delete(policy);
                        break;
                    }
                    case 4: // relabel a namespace
                    {
                        var ns = TestCluster.Namespace($"n{step.Target % 3}", new() { ["env"] = step.Labels.Count % 2 == 0 ? "prod" : "dev" });
                        state[Key(ns)] = ns;
                        compiler.Upsert(ns);
                        break;
                    }
                    default: // a new pod
                    {
                        var pod = TestCluster.Pod($"n{step.Target % 3}", $"new{step.Target}", step.Labels, $"10.1.1.{step.Target + 1}");
                        state[Key(pod)] = pod;
                        compiler.Upsert(pod);
                        break;
                    }
                }
                if (step.Snapshot) compiler.Snapshot();
            }
            var incremental = compiler.Snapshot();
            var full = PolicyCompiler.Compile(state.Values);
            Assert.Equal(RandomClusters.Fingerprint(full), RandomClusters.Fingerprint(incremental));
        }, iter: 300);

    [Fact]
    public void Snapshot_NoChanges_ReturnsSameInstance()
    {
        var compiler = new PolicyCompiler();
        foreach (var o in TestCluster.Objects()) compiler.Upsert(o);
        var first = compiler.Snapshot();
        Assert.Same(first, compiler.Snapshot());
    }

    [Fact]
    public void Snapshot_OldSnapshotAfterChange_KeepsItsVerdicts()
    {
        var compiler = new PolicyCompiler();
        foreach (var o in TestCluster.Objects()) compiler.Upsert(o);
        var before = compiler.Snapshot();
        foreach (var o in TestCluster.Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny, namespace: x}
            spec: {podSelector: {}}
            """)) compiler.Upsert(o);
        var after = compiler.Snapshot();
        Assert.True(before.Decide("y/a", "x/a", 80).Allowed);
        Assert.False(after.Decide("y/a", "x/a", 80).Allowed);
    }

    [Fact]
    public void Snapshot_ManyPolicyReplacements_ReusesRuleIdsAndStaysCorrect()
    {
        var compiler = new PolicyCompiler();
        foreach (var o in TestCluster.Objects()) compiler.Upsert(o);
        var policy = TestCluster.Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: churn, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}, {from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
            """)[0];
        for (var i = 0; i < 2000; i++)
        {
            compiler.Upsert(policy);
            if (i % 100 == 0) compiler.Snapshot();
        }
        var index = compiler.Snapshot();
        Assert.True(index.RuleCount == 2);
        // A replacement takes the ids its predecessor freed, so rule bitsets do not grow with churn.
        Assert.All(index.Policies.SelectMany(p => p.Ingress), r => Assert.InRange(r.Id, 0, 1));
        Assert.All(index.Identities, i => Assert.InRange(i.RuleBits.Length, 0, 1));
        Assert.True(index.Decide("x/b", "x/a", 80).Allowed);
        Assert.True(index.Decide("y/c", "x/a", 80).Allowed);
        Assert.False(index.Decide("x/c", "x/a", 80).Allowed);
    }

    [Fact]
    public void Snapshot_RelabelReusesFreedIdentity_OldPeerBitsCleared()
    {
        var policy = TestCluster.Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-x-a, namespace: y}
            spec:
              podSelector: {}
              ingress: [{from: [{namespaceSelector: {matchLabels: {ns: x}}, podSelector: {matchLabels: {pod: a}}}]}]
            """);
        var compiler = new PolicyCompiler();
        foreach (var o in TestCluster.Objects().Concat(policy)) compiler.Upsert(o);
        var before = compiler.Snapshot();
        var id = before.IdentityOf(before.FindPod("x", "a")!)!.Id;
        // x/a was the only pod of its identity: the relabel frees that identity and the new one takes its number.
        var relabelled = TestCluster.Pod("x", "a", new() { ["pod"] = "z" }, "10.0.1.1");
        compiler.Upsert(relabelled);
        var after = compiler.Snapshot();
        Assert.Equal(id, after.IdentityOf(after.FindPod("x", "a")!)!.Id);
        Assert.True(before.Decide("x/a", "y/b", 80).Allowed);
        Assert.False(after.Decide("x/a", "y/b", 80).Allowed);
        var full = PolicyCompiler.Compile(TestCluster.Objects().Where(o => o.Metadata.Name != "a" || o.Metadata.NamespaceProperty != "x")
            .Append(relabelled).Concat(policy));
        Assert.Equal(RandomClusters.Fingerprint(full), RandomClusters.Fingerprint(after));
    }
}
