using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>STUB: API rules for Pod (to be written).</summary>
internal sealed class PodRules : KindRules<V1Pod>
{
    protected override void Validate(V1Pod obj, List<FieldError> errors)
    {
    }
}
