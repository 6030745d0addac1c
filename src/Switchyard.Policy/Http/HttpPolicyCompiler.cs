using Switchyard.Model.Policy;
using Switchyard.Model.Selectors;
using Switchyard.Policy.Compilation;

namespace Switchyard.Policy.Http;

/// <summary>Turns an HTTPNetworkPolicy into a <see cref="CompiledHttpPolicy"/>; a bad path pattern matches nothing.</summary>
internal static class HttpPolicyCompiler
{
    public static CompiledHttpPolicy Compile(HTTPNetworkPolicy policy)
    {
        var ns = string.IsNullOrEmpty(policy.Metadata?.NamespaceProperty) ? NetworkPolicyCompiler.DefaultNamespace : policy.Metadata.NamespaceProperty;
        var compiled = new CompiledHttpPolicy
        {
            Namespace = ns,
            Name = policy.Metadata?.Name ?? "",
            PodSelector = policy.Spec?.PodSelector is null ? Selector.Everything : Selector.FromLabelSelector(policy.Spec.PodSelector),
        };
        // The L4 part reuses the NetworkPolicy rule shape; it belongs to a stand-in policy that isolates nothing.
        var holder = new CompiledPolicy
        {
            Namespace = ns, Name = compiled.Name, PodSelector = compiled.PodSelector, AffectsIngress = false, AffectsEgress = false,
        };
        var rules = policy.Spec?.Ingress ?? [];
        compiled.Rules = rules.Select((r, i) => new CompiledHttpRule
        {
            Policy = compiled,
            Index = i,
            L4 = NetworkPolicyCompiler.CompileRule(holder, PolicyDirection.Ingress, i, -1, r?.From, r?.Ports),
            Matches = (r?.Http ?? []).Select(CompileMatch).ToArray(),
        }).ToArray();
        return compiled;
    }

    private static CompiledHttpMatch CompileMatch(HTTPRequestMatch? match)
    {
        System.Text.RegularExpressions.Regex? path = null;
        if (match?.Path is { } pattern)
        {
            try
            {
                path = HTTPNetworkPolicy.CompilePathPattern(pattern);
            }
            catch (ArgumentException)
            {
                // Validation rejects such patterns; if one gets here, it admits nothing.
                path = new System.Text.RegularExpressions.Regex("(?!)", System.Text.RegularExpressions.RegexOptions.None);
            }
        }
        return new CompiledHttpMatch
        {
            Method = string.IsNullOrEmpty(match?.Method) ? null : match.Method,
            PathPattern = match?.Path,
            Path = path,
            Headers = (match?.Headers ?? []).Select(h => (h.Name, h.Value)).ToArray(),
        };
    }
}
