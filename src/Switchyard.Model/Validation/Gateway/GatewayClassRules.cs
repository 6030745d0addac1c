using k8s.Models;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>STUB: API rules for GatewayClass (to be written).</summary>
internal sealed class GatewayClassRules : KindRules<Model.Gateway.GatewayClass>
{
    protected override void Validate(Model.Gateway.GatewayClass obj, List<FieldError> errors)
    {
    }
}
