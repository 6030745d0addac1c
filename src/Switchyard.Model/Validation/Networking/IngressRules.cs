using k8s.Models;

namespace Switchyard.Model.Validation.Networking;

/// <summary>STUB: API rules for Ingress (to be written).</summary>
internal sealed class IngressRules : KindRules<V1Ingress>
{
    protected override void Validate(V1Ingress obj, List<FieldError> errors)
    {
    }
}
