using k8s.Models;

namespace Switchyard.Model.Validation.Networking;

/// <summary>STUB: API rules for NetworkPolicy (to be written).</summary>
internal sealed class NetworkPolicyRules : KindRules<V1NetworkPolicy>
{
    protected override void Validate(V1NetworkPolicy obj, List<FieldError> errors)
    {
    }
}
