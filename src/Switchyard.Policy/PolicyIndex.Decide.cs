using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;
using Switchyard.Policy.Http;

namespace Switchyard.Policy;

public sealed partial class PolicyIndex
{
    /// <summary>
    /// Decides a connection from <paramref name="source"/> to <paramref name="destination"/> on
    /// <paramref name="port"/>/<paramref name="protocol"/>: the source's egress and the destination's
    /// ingress must both permit it. With <paramref name="request"/>, HTTPNetworkPolicy rules covering the
    /// destination port must also admit the request. Allocates nothing on the L4 path.
    /// </summary>
    public Verdict Decide(in Endpoint source, in Endpoint destination, int port, L4Protocol protocol, HttpRequestInfo? request = null)
    {
        if (source.Pod is { } from && destination.Pod is { } to && (ReferenceEquals(from, to) || (from.Name == to.Name && from.Namespace == to.Namespace)))
        {
            // "A pod cannot block access to itself" (Kubernetes NetworkPolicy); nor do its HTTP rules.
            var itself = new SideResult(SideOutcome.Itself, []);
            return new Verdict(source, destination, port, protocol, itself, itself, HttpDecision.NotApplicable);
        }
        var egress = DecideSide(PolicyDirection.Egress, source, destination, port, protocol);
        var ingress = DecideSide(PolicyDirection.Ingress, destination, source, port, protocol);
        var http = HttpDecision.NotApplicable;
        if (destination.Pod is { } dst && IdentityOf(dst) is { HttpPolicies.Length: > 0 } dstIdentity)
        {
            http = DecideHttp(dstIdentity, source, destination, port, protocol, request);
        }
        return new Verdict(source, destination, port, protocol, egress, ingress, http);
    }

    /// <summary>
    /// One side: <paramref name="self"/> is the pod whose policies apply (the source for egress, the
    /// destination for ingress) and <paramref name="peer"/> the other end. One port-class lookup and one bit
    /// test in the verdict map shared by the identities these policies select (plus an address range search
    /// when the rules have ipBlocks), however many policies select the pod.
    /// </summary>
    private SideResult DecideSide(PolicyDirection direction, in Endpoint self, in Endpoint peer, int port, L4Protocol protocol)
    {
        if (self.Pod is not { } pod || pod.HostNetwork || IdentityOf(pod) is not { } identity)
        {
            return new SideResult(SideOutcome.NotSelectable, []);
        }
        var policies = identity.Policies(direction);
        if (policies.Length == 0) return new SideResult(SideOutcome.NotIsolated, policies);

        var rules = identity.Rules(direction);
        if (rules.Length == 0) return new SideResult(SideOutcome.Denied, policies);

        // Named ports always resolve against the destination pod of the connection.
        var destinationPod = direction == PolicyDirection.Ingress ? pod : peer.Pod;
        var peerIdentity = peer.Pod is { HostNetwork: false } p ? IdentityOf(p) : null;
        var map = _maps[identity.MapOf(direction)]!;
        return map.Admits(peerIdentity?.Id ?? -1, peer, port, protocol, destinationPod)
            ? new SideResult(SideOutcome.Allowed, policies, rules, peerIdentity)
            : new SideResult(SideOutcome.Denied, policies);
    }

    /// <summary>The first of <paramref name="rules"/> that admits the peer on the port: the reason an allowed side gives.</summary>
    internal static CompiledRule? FirstAdmitting(CompiledRule[] rules, Identity? peerIdentity, in Endpoint peer, int port, L4Protocol protocol, PodEntry? destinationPod)
    {
        foreach (var rule in rules)
        {
            if (RuleAdmitsPeer(rule, peerIdentity, peer) && rule.MatchesPort(port, protocol, destinationPod)) return rule;
        }
        return null;
    }

    private static bool RuleAdmitsPeer(CompiledRule rule, Identity? peerIdentity, in Endpoint peer)
    {
        if (rule.AnyPeer) return true;
        if (peerIdentity is not null && peerIdentity.HasRuleBit(rule.Id)) return true;
        if (rule.IpBlocks.Length > 0 && peer.Address is { } address)
        {
            foreach (var block in rule.IpBlocks)
            {
                if (block.Contains(address)) return true;
            }
        }
        return false;
    }

    private HttpDecision DecideHttp(Identity dstIdentity, in Endpoint source, in Endpoint destination, int port, L4Protocol protocol, HttpRequestInfo? request)
    {
        var covered = false;
        foreach (var policy in dstIdentity.HttpPolicies)
        {
            foreach (var rule in policy.Rules)
            {
                if (!rule.L4.MatchesPort(port, protocol, destination.Pod)) continue;
                covered = true;
                if (request is null || !PeerMatchesDirectly(rule.L4, source)) continue;
                if (rule.Matches.Length == 0) return new HttpDecision(HttpOutcome.Allowed, dstIdentity.HttpPolicies, rule, -1);
                for (var m = 0; m < rule.Matches.Length; m++)
                {
                    if (rule.Matches[m].Matches(request)) return new HttpDecision(HttpOutcome.Allowed, dstIdentity.HttpPolicies, rule, m);
                }
            }
        }
        if (!covered) return new HttpDecision(HttpOutcome.NotApplicable, dstIdentity.HttpPolicies, null, -1);
        return new HttpDecision(request is null ? HttpOutcome.RequestsChecked : HttpOutcome.Denied, dstIdentity.HttpPolicies, null, -1);
    }

    /// <summary>Peer matching by evaluating selectors (the L7 path; L4 rules use precomputed identity bits instead).</summary>
    internal bool PeerMatchesDirectly(CompiledRule rule, in Endpoint peer)
    {
        if (rule.AnyPeer) return true;
        var identity = peer.Pod is { HostNetwork: false } p ? IdentityOf(p) : null;
        foreach (var candidate in rule.Peers)
        {
            if (candidate.IpBlock is not null)
            {
                if (peer.Address is { } a && candidate.IpBlock.Contains(a)) return true;
            }
            else if (identity is not null && candidate.MatchesPod(identity.Namespace, NamespaceOf(identity.Namespace).Labels, identity.LabelMap))
            {
                return true;
            }
        }
        return false;
    }
}
