using k8s.Models;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>STUB: API rules for ReferenceGrant (to be written).</summary>
internal sealed class ReferenceGrantRules : KindRules<Model.Gateway.ReferenceGrant>
{
    protected override void Validate(Model.Gateway.ReferenceGrant obj, List<FieldError> errors)
    {
    }
}
