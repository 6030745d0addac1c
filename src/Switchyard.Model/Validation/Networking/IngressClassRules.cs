using System.Text.RegularExpressions;
using k8s.Models;

namespace Switchyard.Model.Validation.Networking;

/// <summary>
/// API rules for networking.k8s.io/v1 IngressClass: a domain-prefixed controller name, and parameters naming a
/// kind and a name, cluster-scoped (the default) or in a namespace.
/// </summary>
internal sealed partial class IngressClassRules : KindRules<V1IngressClass>
{
    public const int MaxControllerLength = 250;
    private static readonly string[] Scopes = ["Cluster", "Namespace"];

    [GeneratedRegex(@"^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$")]
    private static partial Regex PathCharacters();

    protected override void Default(V1IngressClass obj)
    {
        if (obj.Spec?.Parameters is { } p) p.Scope ??= "Cluster";
    }

    protected override void Validate(V1IngressClass obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        var spec = obj.Spec;
        ValidateController(spec?.Controller, errors);
        if (spec?.Parameters is { } p) ValidateParameters(p, errors);
    }

    private static void ValidateController(string? controller, List<FieldError> errors)
    {
        const string path = "spec.controller";
        if (string.IsNullOrEmpty(controller))
        {
            errors.Required(path);
            return;
        }
        if (controller.Length > MaxControllerLength) errors.TooLong(path, MaxControllerLength, "characters");
        var slash = controller.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == controller.Length - 1)
        {
            errors.Invalid(path, controller, "must be a domain-prefixed path (such as \"acme.io/foo\")");
            return;
        }
        foreach (var m in KubernetesNames.ValidateDns1123Subdomain(controller[..slash])) errors.Invalid(path, controller, $"domain prefix: {m}");
        if (!PathCharacters().IsMatch(controller[(slash + 1)..]))
        {
            errors.Invalid(path, controller, "path part may only contain URL path characters (e.g. \"acme.io/ingress-controller\")");
        }
    }

    private static void ValidateParameters(V1IngressClassParametersReference p, List<FieldError> errors)
    {
        const string path = "spec.parameters";
        if (!string.IsNullOrEmpty(p.ApiGroup))
        {
            errors.InvalidEach(FieldPath.Child(path, "apiGroup"), p.ApiGroup, KubernetesNames.ValidateDns1123Subdomain(p.ApiGroup));
        }
        if (string.IsNullOrEmpty(p.Kind)) errors.Required(FieldPath.Child(path, "kind"));
        if (string.IsNullOrEmpty(p.Name)) errors.Required(FieldPath.Child(path, "name"));
        var scopePath = FieldPath.Child(path, "scope");
        var nsPath = FieldPath.Child(path, "namespace");
        switch (p.Scope)
        {
            case "Cluster" or null:
                if (p.NamespaceProperty is not null) errors.Forbidden(nsPath, "`parameters.scope` is set to 'Cluster'");
                break;
            case "Namespace":
                if (string.IsNullOrEmpty(p.NamespaceProperty)) errors.Required(nsPath, "`parameters.scope` is set to 'Namespace'");
                else errors.InvalidEach(nsPath, p.NamespaceProperty, KubernetesNames.ValidateDns1123Label(p.NamespaceProperty));
                break;
            default:
                errors.NotSupported(scopePath, p.Scope, Scopes);
                break;
        }
    }
}
