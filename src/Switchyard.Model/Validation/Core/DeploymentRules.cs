using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>STUB: API rules for Deployment (to be written).</summary>
internal sealed class DeploymentRules : KindRules<V1Deployment>
{
    protected override void Validate(V1Deployment obj, List<FieldError> errors)
    {
    }
}
