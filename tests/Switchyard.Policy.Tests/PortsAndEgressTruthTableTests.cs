using Switchyard.Policy.Compilation;
using Switchyard.Policy.Matrix;
using static Switchyard.Policy.Tests.TestCluster;

namespace Switchyard.Policy.Tests;

/// <summary>Truth tables {from, to, port, protocol, verdict} for ports, protocols, egress and policyTypes.</summary>
public sealed class PortsAndEgressTruthTableTests
{
    private const string PortPolicies = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: port-80, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress: [{ports: [{port: 80}]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: named, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: b}}
          ingress: [{ports: [{port: serve-81-udp, protocol: UDP}]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: range, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: c}}
          ingress: [{ports: [{port: 8000, endPort: 8080, protocol: TCP}, {protocol: SCTP}]}]
        """;

    public static TheoryData<string, string, int, L4Protocol, bool> PortCases => new()
    {
        // Protocol defaults to TCP: port 80 entry admits 80/TCP only.
        { "y/a", "x/a", 80, L4Protocol.TCP, true },
        { "y/a", "x/a", 81, L4Protocol.TCP, false },
        { "y/a", "x/a", 80, L4Protocol.UDP, false },
        { "y/a", "x/a", 80, L4Protocol.SCTP, false },
        // Named port: resolved on the destination pod by name and protocol.
        { "y/a", "x/b", 81, L4Protocol.UDP, true },
        { "y/a", "x/b", 80, L4Protocol.UDP, false },
        { "y/a", "x/b", 81, L4Protocol.TCP, false },
        // endPort range, inclusive at both ends; a protocol-only entry admits every port of it.
        { "y/a", "x/c", 7999, L4Protocol.TCP, false },
        { "y/a", "x/c", 8000, L4Protocol.TCP, true },
        { "y/a", "x/c", 8080, L4Protocol.TCP, true },
        { "y/a", "x/c", 8081, L4Protocol.TCP, false },
        { "y/a", "x/c", 8000, L4Protocol.UDP, false },
        { "y/a", "x/c", 80, L4Protocol.SCTP, true },
        { "y/a", "x/c", 9999, L4Protocol.SCTP, true },
        // Unselected pods are untouched.
        { "x/a", "y/b", 12345, L4Protocol.UDP, true },
    };

    [Theory]
    [MemberData(nameof(PortCases))]
    public void Decide_PortRules_MatchTruthTable(string from, string to, int port, L4Protocol protocol, bool allowed) =>
        Assert.Equal(allowed, Index(PortPolicies).Decide(from, to, port, protocol).Allowed);

    [Fact]
    public void Decide_NamedPortDifferentNumbersPerPod_ResolvedPerDestination()
    {
        var objects = Objects();
        objects.RemoveAll(o => o.Metadata.Name == "b" && o.Metadata.NamespaceProperty == "y");
        objects.Add(Pod("y", "b", new() { ["pod"] = "b" }, "10.0.2.2",
            ports: [new k8s.Models.V1ContainerPort { ContainerPort = 8080, Name = "web", Protocol = "TCP" }]));
        objects.RemoveAll(o => o.Metadata.Name == "c" && o.Metadata.NamespaceProperty == "y");
        objects.Add(Pod("y", "c", new() { ["pod"] = "c" }, "10.0.2.3",
            ports: [new k8s.Models.V1ContainerPort { ContainerPort = 9090, Name = "web", Protocol = "TCP" }]));
        var index = PolicyCompiler.Compile(objects.Concat(Yaml("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web, namespace: y}
            spec:
              podSelector: {}
              ingress: [{ports: [{port: web}]}]
            """)));
        Assert.True(index.Decide("x/a", "y/b", 8080).Allowed);
        Assert.False(index.Decide("x/a", "y/b", 9090).Allowed);
        Assert.True(index.Decide("x/a", "y/c", 9090).Allowed);
        Assert.False(index.Decide("x/a", "y/c", 8080).Allowed);
        Assert.False(index.Decide("x/a", "y/a", 80).Allowed);
    }

    [Fact]
    public void Decide_EgressDenyAll_SourceCannotReachAnything() =>
        Assert.Equal(GridExcept("x/a>*"), ReachabilityMatrix.Grid(Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: no-egress, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
            """), 80, L4Protocol.TCP));

    [Fact]
    public void Decide_EgressOnlyToNamespaceY_OtherDestinationsDenied() =>
        Assert.Equal(GridExcept("x/a>x/*", "x/a>z/*"), ReachabilityMatrix.Grid(Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: to-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
            """), 80, L4Protocol.TCP));

    [Fact]
    public void Decide_EgressRulesWithoutPolicyTypes_IsolatesIngressAndEgress()
    {
        // Not defaulted by the API (raw object): Ingress always, Egress because egress has rules.
        const string yaml = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: egress-dns, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              egress: [{ports: [{port: 53, protocol: UDP}]}]
            """;
        foreach (var defaults in new[] { false, true })
        {
            var index = Index(yaml, defaults);
            Assert.False(index.Decide("x/b", "x/a", 80).Allowed);
            Assert.False(index.Decide("x/a", "x/b", 80).Allowed);
            Assert.True(index.Decide("x/a", "y/b", 53, L4Protocol.UDP).Allowed);
            Assert.False(index.Decide("x/a", "y/b", 53).Allowed);
        }
    }

    [Fact]
    public void Decide_EmptyEgressListWithoutPolicyTypes_EgressNotIsolated()
    {
        var index = Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec: {podSelector: {matchLabels: {pod: a}}, egress: []}
            """);
        Assert.True(index.Decide("x/a", "y/b", 80).Allowed);
        Assert.False(index.Decide("y/b", "x/a", 80).Allowed);
    }

    [Fact]
    public void Decide_EgressOnlyPolicyType_IngressStaysOpen()
    {
        var index = Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              ingress: []
            """);
        Assert.True(index.Decide("y/b", "x/a", 80).Allowed);
        Assert.False(index.Decide("x/a", "y/b", 80).Allowed);
    }

    [Fact]
    public void Decide_IngressRulesIgnoredWhenPolicyTypesIsEgressOnly()
    {
        var index = Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress: [{to: [{podSelector: {}}]}]
              ingress: [{from: [{podSelector: {matchLabels: {pod: nobody}}}]}]
            """);
        Assert.True(index.Decide("z/c", "x/a", 80).Allowed);
        Assert.True(index.Decide("x/a", "x/b", 80).Allowed);
        Assert.False(index.Decide("x/a", "y/b", 80).Allowed);
    }

    [Fact]
    public void Decide_SourceEgressAllowsButDestinationIngressDenies_Denied()
    {
        var index = Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress: [{to: [{namespaceSelector: {}}]}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: in, namespace: y}
            spec:
              podSelector: {matchLabels: {pod: b}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}]}]
            """);
        var v = index.Decide("x/a", "y/b", 80);
        Assert.False(v.Allowed);
        Assert.True(v.Egress.Permits);
        Assert.Equal("x/out egress[0]", v.Egress.AdmittedBy!.Label);
        Assert.False(v.Ingress.Permits);
        Assert.True(index.Decide("z/a", "y/b", 80).Allowed);
        Assert.False(index.Decide("x/a", "x/b", 80).Allowed == false);
    }

    [Fact]
    public void Decide_EgressNamedPort_ResolvedOnDestinationPod()
    {
        var index = Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: out, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              policyTypes: [Egress]
              egress: [{ports: [{port: serve-81-tcp}]}]
            """);
        Assert.True(index.Decide("x/a", "y/b", 81).Allowed);
        Assert.False(index.Decide("x/a", "y/b", 80).Allowed);
        Assert.False(index.Decide("x/a", "203.0.113.9", 81).Allowed);
    }
}
