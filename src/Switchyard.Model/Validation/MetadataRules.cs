using System.Text;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Model.Validation;

/// <summary>
/// The rules every object's metadata follows (apimachinery ObjectMeta validation) and the
/// rules of metav1.LabelSelector. Shared by the rules of every kind; each call reports every problem.
/// </summary>
public static class MetadataRules
{
    /// <summary>Total size limit of all annotation keys and values together (256 KiB).</summary>
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    private static readonly string[] SelectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"];

    /// <summary>
    /// Validates name (DNS-1123 subdomain by default, DNS-1035 label for Service, DNS-1123 label for Namespace),
    /// namespace (required for namespaced kinds, forbidden for cluster-scoped ones), labels and annotations.
    /// </summary>
    public static void ValidateObjectMeta(V1ObjectMeta? meta, ResourceKind kind, List<FieldError> errors)
    {
        if (meta is null)
        {
            errors.Required("metadata");
            return;
        }
        ValidateName(meta.Name, kind, errors);
        if (kind.Namespaced)
        {
            if (string.IsNullOrEmpty(meta.NamespaceProperty)) errors.Required("metadata.namespace");
            else errors.InvalidEach("metadata.namespace", meta.NamespaceProperty, KubernetesNames.ValidateDns1123Label(meta.NamespaceProperty));
        }
        else if (!string.IsNullOrEmpty(meta.NamespaceProperty))
        {
            errors.Forbidden("metadata.namespace", "not allowed on this type");
        }
        if (meta.GenerateName is { Length: > 0 } g)
        {
            // generateName is a prefix: validate it with a placeholder suffix as the API server does.
            errors.InvalidEach("metadata.generateName", g, NameRule(kind)(g + "x"));
        }
        ValidateLabels(meta.Labels, "metadata.labels", errors);
        ValidateAnnotations(meta.Annotations, "metadata.annotations", errors);
        if (meta.Finalizers is { } finalizers)
        {
            for (var i = 0; i < finalizers.Count; i++)
            {
                errors.InvalidEach(FieldPath.Index("metadata.finalizers", i), finalizers[i], KubernetesNames.ValidateQualifiedName(finalizers[i] ?? ""));
            }
        }
    }

    /// <summary>The name rule of a kind: DNS-1035 label for Service, DNS-1123 label for Namespace, DNS-1123 subdomain otherwise.</summary>
    public static Func<string, IReadOnlyList<string>> NameRule(ResourceKind kind)
    {
        if (kind == ResourceKinds.Service) return KubernetesNames.ValidateDns1035Label;
        if (kind == ResourceKinds.Namespace) return KubernetesNames.ValidateDns1123Label;
        return KubernetesNames.ValidateDns1123Subdomain;
    }

    private static void ValidateName(string? name, ResourceKind kind, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Required("metadata.name", "name is required");
            return;
        }
        errors.InvalidEach("metadata.name", name, NameRule(kind)(name));
    }

    /// <summary>Label keys are qualified names, values label values (at most 63 characters).</summary>
    public static void ValidateLabels(IDictionary<string, string>? labels, string path, List<FieldError> errors)
    {
        if (labels is null) return;
        foreach (var (key, value) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            errors.InvalidEach(path, key, KubernetesNames.ValidateQualifiedName(key));
            errors.InvalidEach(path, value, KubernetesNames.ValidateLabelValue(value ?? ""));
        }
    }

    /// <summary>Annotation keys are qualified names (case-insensitive); keys and values together at most 256 KiB.</summary>
    public static void ValidateAnnotations(IDictionary<string, string>? annotations, string path, List<FieldError> errors)
    {
        if (annotations is null) return;
        long total = 0;
        foreach (var (key, value) in annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            errors.InvalidEach(path, key, KubernetesNames.ValidateQualifiedName(key.ToLowerInvariant()));
            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value ?? "");
        }
        if (total > TotalAnnotationSizeLimit) errors.TooLong(path, TotalAnnotationSizeLimit);
    }

    /// <summary>
    /// metav1.LabelSelector: matchLabels as labels; each matchExpression has a valid key, an operator of
    /// In/NotIn (with values) or Exists/DoesNotExist (without values), and valid values. A null selector is fine.
    /// </summary>
    public static void ValidateLabelSelector(V1LabelSelector? s, string path, List<FieldError> errors)
    {
        if (s is null) return;
        ValidateLabels(s.MatchLabels, FieldPath.Child(path, "matchLabels"), errors);
        if (s.MatchExpressions is not { } exprs) return;
        for (var i = 0; i < exprs.Count; i++)
        {
            var p = FieldPath.Index(FieldPath.Child(path, "matchExpressions"), i);
            var e = exprs[i];
            if (e is null)
            {
                errors.Required(p);
                continue;
            }
            var valuesPath = FieldPath.Child(p, "values");
            var count = e.Values?.Count ?? 0;
            switch (e.OperatorProperty)
            {
                case "In" or "NotIn":
                    if (count == 0) errors.Required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'");
                    break;
                case "Exists" or "DoesNotExist":
                    if (count > 0) errors.Forbidden(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    break;
                case null or "":
                    errors.Required(FieldPath.Child(p, "operator"));
                    break;
                default:
                    errors.NotSupported(FieldPath.Child(p, "operator"), e.OperatorProperty, SelectorOperators);
                    break;
            }
            var keyPath = FieldPath.Child(p, "key");
            if (string.IsNullOrEmpty(e.Key)) errors.Required(keyPath);
            else errors.InvalidEach(keyPath, e.Key, KubernetesNames.ValidateQualifiedName(e.Key));
            for (var j = 0; j < count; j++)
            {
                var v = e.Values![j] ?? "";
                errors.InvalidEach(FieldPath.Index(valuesPath, j), v, KubernetesNames.ValidateLabelValue(v));
            }
        }
    }
}
