using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>STUB: API rules for Secret (to be written).</summary>
internal sealed class SecretRules : KindRules<V1Secret>
{
    protected override void Validate(V1Secret obj, List<FieldError> errors)
    {
    }
}
