using k8s.Models;

namespace Switchyard.Model.Validation.Networking;

/// <summary>STUB: API rules for IngressClass (to be written).</summary>
internal sealed class IngressClassRules : KindRules<V1IngressClass>
{
    protected override void Validate(V1IngressClass obj, List<FieldError> errors)
    {
    }
}
