using k8s.Models;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>STUB: API rules for Gateway (to be written).</summary>
internal sealed class GatewayRules : KindRules<Model.Gateway.Gateway>
{
    protected override void Validate(Model.Gateway.Gateway obj, List<FieldError> errors)
    {
    }
}
