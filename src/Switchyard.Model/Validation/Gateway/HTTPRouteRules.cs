using k8s.Models;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>STUB: API rules for HTTPRoute (to be written).</summary>
internal sealed class HTTPRouteRules : KindRules<Model.Gateway.HTTPRoute>
{
    protected override void Validate(Model.Gateway.HTTPRoute obj, List<FieldError> errors)
    {
    }
}
