using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>API rules of Namespace: cluster-scoped, named by a DNS-1123 label; status phase Active by default.</summary>
internal sealed class NamespaceRules : KindRules<V1Namespace>
{
    private static readonly string[] Phases = ["Active", "Terminating"];

    protected override void Default(V1Namespace obj)
    {
        obj.Status ??= new V1NamespaceStatus();
        obj.Status.Phase ??= "Active";
    }

    protected override void Validate(V1Namespace obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Status?.Phase is { } phase && !Phases.Contains(phase, StringComparer.Ordinal)) errors.NotSupported("status.phase", phase, Phases);
        var finalizers = obj.Spec?.Finalizers ?? [];
        for (var i = 0; i < finalizers.Count; i++)
        {
            errors.InvalidEach(FieldPath.Index("spec.finalizers", i), finalizers[i], KubernetesNames.ValidateQualifiedName(finalizers[i] ?? ""));
        }
    }
}
