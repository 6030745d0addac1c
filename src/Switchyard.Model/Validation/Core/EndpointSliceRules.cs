using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>STUB: API rules for EndpointSlice (to be written).</summary>
internal sealed class EndpointSliceRules : KindRules<V1EndpointSlice>
{
    protected override void Validate(V1EndpointSlice obj, List<FieldError> errors)
    {
    }
}
