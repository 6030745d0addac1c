using System.Globalization;
using System.Text;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Http;

namespace Switchyard.Policy.Decisions;

/// <summary>Words for verdicts: a one-line reason (matrix, logs) and a plain-language explanation (explain).</summary>
public static class VerdictText
{
    public static string Summary(in Verdict v) =>
        $"{v.Source} -> {v.Destination} {v.Port}/{v.Protocol.Name()}: {(v.Allowed ? "allowed" : "denied")}";

    /// <summary>One line: "egress: ...; ingress: ..." and, when L7 rules apply, "; http: ...".</summary>
    public static string Reason(in Verdict v)
    {
        var text = $"egress: {Side(v.Egress)}; ingress: {Side(v.Ingress)}";
        return v.Http.Outcome == HttpOutcome.NotApplicable ? text : $"{text}; http: {Http(v.Http)}";
    }

    private static string Side(in SideDecision side) => side.Outcome switch
    {
        SideOutcome.NotSelectable => "not a pod policy selects",
        SideOutcome.NotIsolated => "not isolated",
        SideOutcome.Itself => "to itself, always allowed",
        SideOutcome.Allowed => $"allowed by {side.AdmittedBy!.Label}",
        _ => $"denied, no rule of {string.Join(", ", side.SelectingPolicies.Select(p => p.Key))} matches",
    };

    private static string Http(in HttpDecision http) => http.Outcome switch
    {
        HttpOutcome.RequestsChecked => $"requests checked by {string.Join(", ", http.Policies.Select(p => p.Key))}",
        HttpOutcome.Allowed => $"request allowed by {http.AdmittedBy!.Label}{(http.MatchIndex >= 0 ? $".http[{http.MatchIndex}]" : "")}",
        HttpOutcome.Denied => $"request denied, no rule of {string.Join(", ", http.Policies.Select(p => p.Key))} matches",
        _ => "no HTTP rules",
    };

    /// <summary>The reasoning behind a verdict, in plain words, one fact per line.</summary>
    public static string Explain(PolicyIndex index, in Verdict v, HttpRequestInfo? request = null)
    {
        var sb = new StringBuilder();
        var what = request is null ? "" : $" ({request})";
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Describe(v.Source)} -> {Describe(v.Destination)} on port {v.Port}/{v.Protocol.Name()}{what}: {(v.Allowed ? "ALLOWED" : "DENIED")}");
        sb.AppendLine();
        ExplainSide(sb, index, v, v.Egress, v.Source, v.Destination);
        sb.AppendLine();
        ExplainSide(sb, index, v, v.Ingress, v.Destination, v.Source);
        if (v.Http.Outcome != HttpOutcome.NotApplicable)
        {
            sb.AppendLine();
            ExplainHttp(sb, v, request);
        }
        sb.AppendLine();
        sb.Append(v.Allowed ? "Result: allowed." : "Result: denied: " + DeniedBecause(v));
        sb.AppendLine();
        return sb.ToString();
    }

    private static string DeniedBecause(in Verdict v)
    {
        var reasons = new List<string>();
        if (!v.Egress.Permits) reasons.Add($"the egress policies of {v.Source} do not allow it");
        if (!v.Ingress.Permits) reasons.Add($"the ingress policies of {v.Destination} do not allow it");
        if (!v.Http.Permits) reasons.Add("no HTTP rule admits the request");
        return string.Join(", and ", reasons) + ".";
    }

    private static string Describe(in Endpoint e) =>
        e.Pod is { } p ? $"pod {p.Key}{(p.Address is { } a ? $" ({a})" : "")}" : $"address {e.Address}";

    private static void ExplainSide(StringBuilder sb, PolicyIndex index, in Verdict v, in SideDecision side, in Endpoint self, in Endpoint peer)
    {
        var dir = side.Direction == PolicyDirection.Ingress ? "ingress" : "egress";
        var title = side.Direction == PolicyDirection.Ingress ? $"Ingress to {self}" : $"Egress from {self}";
        sb.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
        switch (side.Outcome)
        {
            case SideOutcome.NotSelectable:
                sb.AppendLine(self.Pod is { HostNetwork: true }
                    ? $"  {self} uses the host network; NetworkPolicies do not select host-network pods, so its {dir} is not restricted."
                    : $"  {self} is not a pod in the cluster; only the other side's policies (ipBlock rules) apply.");
                return;
            case SideOutcome.NotIsolated:
                sb.AppendLine(CultureInfo.InvariantCulture, $"  No NetworkPolicy selects {self} with policyType {Cap(dir)}, so all its {dir} is allowed.");
                return;
            case SideOutcome.Itself:
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {self} connects to itself: a pod's traffic to itself is always allowed, whatever its policies say.");
                return;
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"  {self} is isolated for {dir} by {Count(side.SelectingPolicies.Count, "policy", "policies")}: {string.Join(", ", side.SelectingPolicies.Select(p => p.Key))}.");
        if (side.Outcome == SideOutcome.Allowed)
        {
            var r = side.AdmittedBy!;
            sb.AppendLine(CultureInfo.InvariantCulture, $"  Allowed by {r.Label}: {RuleText(r)}.");
            return;
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"  No rule allows {peer} on {v.Port}/{v.Protocol.Name()}:");
        var destinationPod = side.Direction == PolicyDirection.Ingress ? self.Pod : peer.Pod;
        foreach (var policy in side.SelectingPolicies)
        {
            var rules = policy.Rules(side.Direction);
            if (rules.Length == 0)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"    {policy.Key} has no {dir} rules: it allows no {dir} at all.");
                continue;
            }
            foreach (var rule in rules)
            {
                var peerOk = index.PeerMatchesDirectly(rule, peer);
                var portOk = rule.MatchesPort(v.Port, v.Protocol, destinationPod);
                var why = (peerOk, portOk) switch
                {
                    (false, false) => $"neither the peer nor the port matches",
                    (false, true) => $"{peer} is not among its peers",
                    _ => $"port {v.Port}/{v.Protocol.Name()} is not among its ports",
                };
                sb.AppendLine(CultureInfo.InvariantCulture, $"    {rule.Label} ({RuleText(rule)}): {why}.");
            }
        }
    }

    private static void ExplainHttp(StringBuilder sb, in Verdict v, HttpRequestInfo? request)
    {
        sb.AppendLine(CultureInfo.InvariantCulture, $"HTTP to {v.Destination} port {v.Port}:");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  HTTPNetworkPolicy rules cover this port ({string.Join(", ", v.Http.Policies.Select(p => p.Key))}).");
        switch (v.Http.Outcome)
        {
            case HttpOutcome.RequestsChecked:
                sb.AppendLine("  No request was given: each request on this connection must match one of their rules.");
                break;
            case HttpOutcome.Allowed:
                var rule = v.Http.AdmittedBy!;
                var m = v.Http.MatchIndex >= 0 ? $" http[{v.Http.MatchIndex}] ({rule.Matches[v.Http.MatchIndex]})" : " (any request)";
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {request} is allowed by {rule.Label}{m}.");
                break;
            default:
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {request} matches no rule that covers port {v.Port} and admits {v.Source}.");
                break;
        }
    }

    /// <summary>A rule in words: "from pods (app=web) in namespace x, on 80/TCP".</summary>
    public static string RuleText(CompiledRule rule)
    {
        var who = rule.Direction == PolicyDirection.Ingress ? "from" : "to";
        var peers = rule.AnyPeer ? $"{who} anywhere" : $"{who} {string.Join(" or ", rule.Peers.Select(p => p.ToString()))}";
        var ports = rule.AnyPort ? "on any port" : $"on {string.Join(", ", rule.Ports.Select(p => p.ToString()))}";
        return $"{peers}, {ports}";
    }

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static string Count(int n, string one, string many) => n == 1 ? $"1 {one}" : $"{n} {many}";
}
