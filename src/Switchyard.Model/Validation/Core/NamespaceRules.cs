using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>STUB: API rules for Namespace (to be written).</summary>
internal sealed class NamespaceRules : KindRules<V1Namespace>
{
    protected override void Validate(V1Namespace obj, List<FieldError> errors)
    {
    }
}
