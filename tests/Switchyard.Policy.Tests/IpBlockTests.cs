using Switchyard.Model.Networking;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;
using static Switchyard.Policy.Tests.TestCluster;

namespace Switchyard.Policy.Tests;

/// <summary>ipBlock peers, addresses outside the cluster, host-network pods and pods without addresses.</summary>
public sealed class IpBlockTests
{
    private const string Policies = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24]}
            - ipBlock: {cidr: 192.0.2.0/24}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-block, namespace: y}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - to: [{ipBlock: {cidr: 198.51.100.0/24, except: [198.51.100.128/25]}}]
            ports: [{port: 443}]
          - to: [{ipBlock: {cidr: "2001:db8::/32"}}]
        """;

    public static TheoryData<string, string, int, bool> Cases => new()
    {
        // Pod sources are matched by their IPs: x and z pods are in 10.0.0.0/16, y's 10.0.2.0/24 is excepted.
        { "x/b", "x/a", 80, true },
        { "z/c", "x/a", 80, true },
        { "y/b", "x/a", 80, false },
        // External sources are decided by ipBlock alone.
        { "192.0.2.7", "x/a", 80, true },
        { "203.0.113.1", "x/a", 80, false },
        { "10.0.9.9", "x/a", 80, true },
        { "10.0.2.200", "x/a", 80, false },
        // An external source to an unisolated pod is allowed; an external destination has no ingress policy.
        { "203.0.113.1", "x/b", 80, true },
        // Egress to external addresses: the CIDR minus the exception, on the rule's port only.
        { "y/a", "198.51.100.5", 443, true },
        { "y/a", "198.51.100.5", 80, false },
        { "y/a", "198.51.100.200", 443, false },
        { "y/a", "203.0.113.1", 443, false },
        { "y/a", "2001:db8::1", 80, true },
        { "y/a", "2001:db9::1", 80, false },
        // IPv4 blocks never match IPv6 addresses (and the other way round).
        { "y/a", "::ffff:198.51.100.5", 443, true },
        // Egress to pods: no ipBlock matches 10.0.x.y, so pod-to-pod egress from y/a is denied.
        { "y/a", "x/b", 80, false },
        { "y/b", "x/b", 80, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_IpBlocks_MatchTruthTable(string from, string to, int port, bool allowed) =>
        Assert.Equal(allowed, Index(Policies).Decide(from, to, port).Allowed);

    [Fact]
    public void Decide_ResolvedAddressesThroughIpBlocks_DoesNotAllocate()
    {
        var index = Index(Policies);
        Assert.True(NetAddress.TryParse("192.0.2.7", out var external));
        Assert.True(NetAddress.TryParse("10.0.2.1", out var excepted));
        var pod = index.Resolve("x/a")!.Value;
        var allowed = index.Decide(index.Resolve(external), pod, 80, L4Protocol.TCP).Allowed; // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            allowed &= index.Decide(index.Resolve(external), pod, 80, L4Protocol.TCP).Allowed;
            allowed &= !index.Decide(index.Resolve(excepted), pod, 80, L4Protocol.TCP).Allowed;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(allowed);
    }

    [Fact]
    public void Resolve_AddressOfPod_FindsThePod()
    {
        var index = Index("");
        Assert.Equal("y/b", index.Resolve("10.0.2.2")!.Value.Pod!.Key);
        Assert.False(index.Resolve("10.0.2.99")!.Value.IsPod);
        Assert.Null(index.Resolve("nope/nothing"));
    }

    [Fact]
    public void Decide_HostNetworkPod_NotSelectedAndMatchedOnlyByIpBlock()
    {
        var objects = Objects();
        objects.Add(Pod("x", "node-agent", new() { ["pod"] = "a" }, "172.16.0.10", hostNetwork: true));
        var index = PolicyCompiler.Compile(objects.Concat(Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-a, namespace: y}
            spec:
              podSelector: {}
              ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: a}}}]}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-nodes, namespace: z}
            spec:
              podSelector: {}
              ingress: [{from: [{ipBlock: {cidr: 172.16.0.0/16}}]}]
            """)));
        // Deny-all in x does not select the host-network pod: its egress and ingress are open.
        var toAgent = index.Decide("y/a", "x/node-agent", 80);
        Assert.True(toAgent.Allowed);
        Assert.Equal(SideOutcome.NotSelectable, toAgent.Ingress.Outcome);
        // Its labels (pod=a) do not make it a pod-selector peer...
        Assert.False(index.Decide("x/node-agent", "y/b", 80).Allowed);
        Assert.True(index.Decide("z/a", "y/b", 80).Allowed);
        // ...but its (node) address matches ipBlocks.
        Assert.True(index.Decide("x/node-agent", "z/b", 80).Allowed);
        Assert.False(index.Decide("x/a", "z/b", 80).Allowed);
        // Its address is not a pod address.
        Assert.False(index.Resolve("172.16.0.10")!.Value.IsPod);
    }

    [Fact]
    public void Decide_PodWithoutAddress_SelectorsStillMatchButIpBlocksCannot()
    {
        var objects = Objects();
        objects.Add(Pod("y", "pending", new() { ["pod"] = "b" }, ip: null));
        var index = PolicyCompiler.Compile(objects.Concat(Yaml(Policies)).Concat(Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-b, namespace: z}
            spec:
              podSelector: {}
              ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: b}}}]}]
            """)));
        Assert.True(index.Decide("y/pending", "z/a", 80).Allowed);
        Assert.False(index.Decide("y/pending", "x/a", 80).Allowed);
    }

    [Fact]
    public void Decide_InvalidCidrInPolicy_MatchesNothing()
    {
        var index = Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: bad, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{ipBlock: {cidr: not-a-cidr}}]}]
            """);
        Assert.False(index.Decide("192.0.2.1", "x/a", 80).Allowed);
        Assert.False(index.Decide("x/b", "x/a", 80).Allowed);
    }
}
