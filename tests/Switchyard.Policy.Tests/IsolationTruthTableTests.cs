using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;
using Switchyard.Policy.Matrix;
using static Switchyard.Policy.Tests.TestCluster;

namespace Switchyard.Policy.Tests;

/// <summary>
/// Truth tables over the x/y/z × a/b/c cluster, written from the NetworkPolicy specification and the
/// scenarios the upstream e2e suite names. Each expectation is the full 9×9 grid on one port.
/// </summary>
public sealed class IsolationTruthTableTests
{
    private static void AssertGrid(string expected, PolicyIndex index, int port = 80, L4Protocol protocol = L4Protocol.TCP) =>
        Assert.Equal(expected, ReachabilityMatrix.Grid(index, port, protocol));

    [Fact]
    public void Decide_NoPolicies_EverythingAllowed() =>
        AssertGrid(GridExcept(), Index(""));

    [Fact]
    public void Decide_DenyAllIngressInNamespace_OnlyThatNamespaceIsUnreachable() =>
        AssertGrid(GridExcept("*>x/*"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
            """));

    [Fact]
    public void Decide_PodToItselfUnderDenyAll_Allowed()
    {
        // "A pod cannot block access to itself" (Kubernetes NetworkPolicy), in either direction.
        var index = Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec:
              podSelector: {}
              policyTypes: [Ingress, Egress]
            """);

        var self = index.Decide("x/a", "x/a", 80);
        var other = index.Decide("x/a", "x/b", 80);

        Assert.True(self.Allowed);
        Assert.Equal((SideOutcome.Itself, SideOutcome.Itself), (self.Egress.Outcome, self.Ingress.Outcome));
        Assert.Contains("to itself", VerdictText.Explain(index, self), StringComparison.Ordinal);
        Assert.False(other.Allowed);
    }

    [Fact]
    public void Decide_EmptyIngressList_SameAsNoIngressRules() =>
        AssertGrid(GridExcept("*>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: p, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: []
            """));

    [Fact]
    public void Decide_EmptyIngressRule_AllowsEverySource() =>
        AssertGrid(GridExcept(), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: x}
            spec:
              podSelector: {}
              ingress: [{}]
            """));

    [Fact]
    public void Decide_EmptyFromList_AllowsEverySource() =>
        AssertGrid(GridExcept(), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-all, namespace: x}
            spec:
              podSelector: {}
              ingress: [{from: [], ports: []}]
            """));

    [Fact]
    public void Decide_IngressFromSameNamespace_OtherNamespacesDenied() =>
        AssertGrid(GridExcept("y/*>x/*", "z/*>x/*"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: same-ns, namespace: x}
            spec:
              podSelector: {}
              ingress: [{from: [{podSelector: {}}]}]
            """));

    [Fact]
    public void Decide_PodSelectorPeer_OnlySelectedPodsOfPolicyNamespace() =>
        AssertGrid(GridExcept("x/c>x/a", "y/*>x/a", "z/*>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
            """));

    [Fact]
    public void Decide_NamespaceSelectorPeer_AllPodsOfMatchingNamespaces() =>
        AssertGrid(GridExcept("x/b>x/a", "x/c>x/a", "z/*>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
            """));

    [Fact]
    public void Decide_PodAndNamespaceSelectorInOnePeer_BothMustMatch() =>
        AssertGrid(GridExcept("x/*>x/a", "y/a>x/a", "y/c>x/a", "z/*>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: and, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: y}}
                  podSelector: {matchLabels: {pod: b}}
            """));

    [Fact]
    public void Decide_PodAndNamespaceSelectorAsSeparatePeers_EitherMatches() =>
        // Either any pod of y, or pod b of x (the policy's namespace).
        AssertGrid(GridExcept("x/c>x/a", "z/*>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: or, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {ns: y}}
                - podSelector: {matchLabels: {pod: b}}
            """));

    [Fact]
    public void Decide_NamespaceSelectorNotIn_MatchesNamespacesWithoutTheValue() =>
        AssertGrid(GridExcept("y/*>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: not-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector:
                    matchExpressions: [{key: ns, operator: NotIn, values: [y]}]
            """));

    [Fact]
    public void Decide_PodSelectorMatchExpressionsAcrossAllNamespaces_SelectsByLabelEverywhere() =>
        AssertGrid(GridOnly("*/b>x/a", "*>x/b", "*>x/c", "*>y/*", "*>z/*"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: b-anywhere, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress:
              - from:
                - namespaceSelector: {}
                  podSelector:
                    matchExpressions: [{key: pod, operator: In, values: [b]}]
            """));

    [Fact]
    public void Decide_NamespaceByMetadataNameLabel_ApiServerLabelIsHonored() =>
        AssertGrid(GridExcept("x/*>y/*", "y/*>y/*", "x/*>y/*"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-z, namespace: y}
            spec:
              podSelector: {}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}
            """));

    [Fact]
    public void Decide_TwoPoliciesSelectingSamePod_AllowsAreAdditive() =>
        AssertGrid(GridExcept("x/c>x/a", "z/*>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-y, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
            """));

    [Fact]
    public void Decide_DenyAllPlusAllowPolicy_AllowWins() =>
        AssertGrid(GridExcept("y/*>x/*", "z/*>x/*", "x/*>x/b", "x/*>x/c", "x/a>x/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: x}
            spec: {podSelector: {}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-to-a-from-x, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              ingress: [{from: [{podSelector: {}}]}]
            """));

    [Fact]
    public void Decide_PolicyInOtherNamespace_DoesNotSelectPodsElsewhere() =>
        AssertGrid(GridExcept("*>z/a"), Index("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-a, namespace: z}
            spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}
            """));
}
