using CsCheck;
using k8s;
using k8s.Models;
using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Tests;

/// <summary>Laws every correct NetworkPolicy implementation obeys, checked on random clusters.</summary>
public sealed class PropertyTests
{
    private static readonly Gen<(List<IKubernetesObject<V1ObjectMeta>> Cluster, List<V1NetworkPolicy> Policies)> Input =
        Gen.Select(RandomClusters.Cluster, RandomClusters.Policies);

    [Fact]
    public void Compile_PolicyOrderShuffled_SameVerdicts() =>
        Gen.Select(Input, Gen.Int).Sample((input, seed) =>
        {
            var (cluster, policies) = input;
            var a = PolicyCompiler.Compile(cluster.Concat(policies));
            var shuffled = policies.Cast<IKubernetesObject<V1ObjectMeta>>().Concat(cluster).OrderBy(_ => new Random(seed).Next()).ToList();
            var rng = new Random(seed);
            var order = shuffled.Select(o => (o, rng.Next())).OrderBy(x => x.Item2).Select(x => x.o);
            var b = PolicyCompiler.Compile(order);
            Assert.Equal(RandomClusters.Fingerprint(a), RandomClusters.Fingerprint(b));
        }, iter: 200);

    [Fact]
    public void Compile_AddPolicy_NeverDeniesWhatWasAllowedToAnAlreadyIsolatedPod() =>
        Gen.Select(Input, RandomClusters.Policy("added")).Sample((input, added) =>
        {
            var (cluster, policies) = input;
            var before = PolicyCompiler.Compile(cluster.Concat(policies)).Let(RandomClusters.Probes).ToList();
            var after = PolicyCompiler.Compile(cluster.Concat(policies).Append(added)).Let(RandomClusters.Probes).ToDictionary(p => p.Key, p => p.Verdict);
            foreach (var (key, v) in before)
            {
                var now = after[key];
                if (v.Ingress.Isolated && v.Ingress.Permits) Assert.True(now.Ingress.Permits, $"ingress {key}");
                if (v.Egress.Isolated && v.Egress.Permits) Assert.True(now.Egress.Permits, $"egress {key}");
            }
        }, iter: 200);

    [Fact]
    public void Compile_PolicyThatSelectsNoPod_ChangesNoVerdict() =>
        Gen.Select(Input, RandomClusters.Policy("selects-nothing")).Sample((input, added) =>
        {
            var (cluster, policies) = input;
            added.Spec.PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "no-such-app" } };
            var before = PolicyCompiler.Compile(cluster.Concat(policies));
            var after = PolicyCompiler.Compile(cluster.Concat(policies).Append(added));
            Assert.Equal(RandomClusters.Fingerprint(before), RandomClusters.Fingerprint(after));
        }, iter: 200);

    [Fact]
    public void Decide_ConnectionAllowed_IffEgressAndIngressBothPermit() =>
        Input.Sample(input =>
        {
            var index = PolicyCompiler.Compile(input.Cluster.Concat(input.Policies));
            foreach (var (key, v) in RandomClusters.Probes(index))
            {
                Assert.Equal(v.Egress.Permits && v.Ingress.Permits, v.Allowed);
                Assert.Equal(v.Ingress.Isolated, v.Ingress.SelectingPolicies.Count > 0);
                if (v.Ingress.Outcome == Decisions.SideOutcome.Allowed) Assert.Contains(v.Ingress.AdmittedBy!.Policy, v.Ingress.SelectingPolicies);
            }
        }, iter: 100);

    [Fact]
    public void Compile_NoPolicies_EverythingAllowed() =>
        RandomClusters.Cluster.Sample(cluster =>
            Assert.All(RandomClusters.Probes(PolicyCompiler.Compile(cluster)), p => Assert.True(p.Verdict.Allowed, p.Key)), iter: 50);
}

internal static class Functional
{
    public static TOut Let<TIn, TOut>(this TIn value, Func<TIn, TOut> f) => f(value);
}
