using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// What the routes of whole connections (TLSRoute, TCPRoute) and of UDP sessions (UDPRoute) share: exactly one rule (their v1 CRDs' limit), an
/// optional rule name, and 1 to 16 weighted backendRefs, defaulted to Services of weight 1.
/// </summary>
internal static class L4RouteRules
{
    /// <summary>The CRD defaults of such a route: parentRefs as HTTPRoute's, backendRefs as <see cref="DefaultBackendRefs"/>.</summary>
    public static void Default(IList<ParentReference>? parentRefs, IEnumerable<IList<BackendRef>?> backendRefs)
    {
        HTTPRouteRules.DefaultParentRefs(parentRefs);
        DefaultBackendRefs(backendRefs);
    }

    /// <summary>
    /// Checks a route of <paramref name="kind"/>: its metadata, that it has a spec, its parentRefs as HTTPRoute's, what
    /// <paramref name="between"/> adds (TLSRoute's hostnames), then its rules (<see cref="ValidateRules"/>).
    /// </summary>
    public static void Validate<TSpec, TRule>(V1ObjectMeta metadata, ResourceKind kind, TSpec? spec, Func<TSpec, IList<ParentReference>?> parentRefsOf,
        Func<TSpec, IList<TRule>?> rulesOf, Func<TRule, string?> nameOf, Func<TRule, IList<BackendRef>?> backendRefsOf, List<FieldError> errors, Action<TSpec>? between = null)
        where TSpec : class
        where TRule : class
    {
        MetadataRules.ValidateObjectMeta(metadata, kind, errors);
        if (spec is null)
        {
            errors.Required("spec");
            return;
        }
        HTTPRouteRules.ValidateParentRefs(parentRefsOf(spec), errors);
        between?.Invoke(spec);
        ValidateRules(kind.Kind, rulesOf(spec), nameOf, backendRefsOf, errors);
    }

    /// <summary>Fills each backendRef's group (core), kind (Service) and weight (1), as the CRDs default them.</summary>
    public static void DefaultBackendRefs(IEnumerable<IList<BackendRef>?> rules)
    {
        foreach (var rule in rules)
        {
            foreach (var b in rule ?? [])
            {
                if (b is null) continue;
                b.Group ??= "";
                b.Kind ??= "Service";
                b.Weight ??= 1;
            }
        }
    }

    /// <summary>
    /// Checks <c>spec.rules</c> of a route of <paramref name="kind"/>: exactly one rule, each rule's name and backendRefs;
    /// every problem is reported.
    /// </summary>
    public static void ValidateRules<TRule>(string kind, IList<TRule>? rules, Func<TRule, string?> nameOf, Func<TRule, IList<BackendRef>?> backendRefsOf, List<FieldError> errors)
        where TRule : class
    {
        const string root = "spec.rules";
        if (rules is not { Count: > 0 })
        {
            errors.Required(root, $"a {kind} has exactly one rule");
            return;
        }
        if (rules.Count > 1) errors.Invalid(root, rules.Count, $"a {kind} has exactly one rule");
        for (var i = 0; i < rules.Count; i++)
        {
            var path = FieldPath.Index(root, i);
            if (rules[i] is not { } rule)
            {
                errors.Required(path);
                continue;
            }
            if (nameOf(rule) is { } name) GatewayFields.SectionName(name, FieldPath.Child(path, "name"), errors);
            ValidateBackendRefs(kind, backendRefsOf(rule), FieldPath.Child(path, "backendRefs"), errors);
        }
    }

    private static void ValidateBackendRefs(string kind, IList<BackendRef>? backendRefs, string path, List<FieldError> errors)
    {
        if (backendRefs is not { Count: > 0 })
        {
            errors.Required(path, $"a {kind} rule needs at least one backendRef");
            return;
        }
        GatewayFields.MaxItems(backendRefs, path, HTTPRouteRules.MaxBackendRefs, errors);
        for (var i = 0; i < backendRefs.Count; i++)
        {
            var bPath = FieldPath.Index(path, i);
            if (backendRefs[i] is not { } b)
            {
                errors.Required(bPath);
                continue;
            }
            GatewayFields.BackendObjectRef(b.Group, b.Kind, b.Name, b.Namespace, b.Port, bPath, errors);
            if (b.Weight is { } w && (w < 0 || w > HTTPRouteRules.MaxWeight))
            {
                errors.Invalid(FieldPath.Child(bPath, "weight"), w, $"must be between 0 and {HTTPRouteRules.MaxWeight}, inclusive");
            }
        }
    }
}
