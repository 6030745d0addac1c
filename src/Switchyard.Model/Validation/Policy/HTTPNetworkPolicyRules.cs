using k8s.Models;
using Switchyard.Model.Policy;
using Switchyard.Model.Validation.Networking;

namespace Switchyard.Model.Validation.Policy;

/// <summary>
/// API rules for policy.switchyard.dev/v1alpha1 HTTPNetworkPolicy. Peers and ports follow NetworkPolicy's
/// rules exactly (they are checked by <see cref="NetworkPolicyRules"/> on the same objects, so messages
/// and paths agree); methods must be HTTP tokens, paths valid linear-time regular expressions, header names tokens.
/// </summary>
internal sealed class HTTPNetworkPolicyRules : KindRules<HTTPNetworkPolicy>
{
    private static readonly NetworkPolicyRules L4 = new();

    protected override void Default(HTTPNetworkPolicy obj)
    {
        var spec = obj.Spec ??= new HTTPNetworkPolicySpec();
        spec.PodSelector ??= new V1LabelSelector();
        foreach (var port in (spec.Ingress ?? []).Where(r => r is not null).SelectMany(r => r.Ports ?? []).Where(p => p is not null))
        {
            port.Protocol ??= "TCP";
        }
    }

    protected override void Validate(HTTPNetworkPolicy obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        // The L4 parts (podSelector, from, ports) have NetworkPolicy's shape and paths: check them as one.
        var stand = new V1NetworkPolicy
        {
            Metadata = new V1ObjectMeta { Name = "l4", NamespaceProperty = "default" },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = spec.PodSelector,
                PolicyTypes = ["Ingress"],
                Ingress = spec.Ingress?.Select(r => r is null ? null! : new V1NetworkPolicyIngressRule { FromProperty = r.From, Ports = r.Ports }).ToList(),
            },
        };
        L4.Validate(stand, errors);

        for (var i = 0; i < (spec.Ingress?.Count ?? 0); i++)
        {
            var rulePath = FieldPath.Index("spec.ingress", i);
            if (spec.Ingress![i] is not { } rule) continue;
            for (var m = 0; m < (rule.Http?.Count ?? 0); m++)
            {
                var path = FieldPath.Index(FieldPath.Child(rulePath, "http"), m);
                if (rule.Http![m] is not { } match) continue;
                if (match.Method is not null && !IsToken(match.Method))
                {
                    errors.Invalid(FieldPath.Child(path, "method"), match.Method, "must be an HTTP method token such as GET or POST");
                }
                if (match.Path is not null) ValidatePattern(match.Path, FieldPath.Child(path, "path"), errors);
                for (var h = 0; h < (match.Headers?.Count ?? 0); h++)
                {
                    var headerPath = FieldPath.Index(FieldPath.Child(path, "headers"), h);
                    var header = match.Headers![h];
                    if (string.IsNullOrEmpty(header?.Name)) errors.Required(FieldPath.Child(headerPath, "name"));
                    else if (!IsToken(header.Name)) errors.Invalid(FieldPath.Child(headerPath, "name"), header.Name, "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)");
                }
            }
        }
    }

    private static void ValidatePattern(string pattern, string path, List<FieldError> errors)
    {
        if (pattern.Length == 0)
        {
            errors.Invalid(path, pattern, "must not be empty; omit the field to match any path");
            return;
        }
        try
        {
            HTTPNetworkPolicy.CompilePathPattern(pattern);
        }
        catch (ArgumentException e)
        {
            errors.Invalid(path, pattern, $"must be a valid regular expression without backreferences or lookarounds: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            errors.Invalid(path, pattern, $"must be a valid regular expression without backreferences or lookarounds: {e.Message}");
        }
    }

    private static bool IsToken(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
