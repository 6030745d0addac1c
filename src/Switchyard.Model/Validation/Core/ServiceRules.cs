using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>STUB: API rules for Service (to be written).</summary>
internal sealed class ServiceRules : KindRules<V1Service>
{
    protected override void Validate(V1Service obj, List<FieldError> errors)
    {
    }
}
