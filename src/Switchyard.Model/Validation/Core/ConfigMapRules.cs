using k8s.Models;

namespace Switchyard.Model.Validation.Core;

/// <summary>STUB: API rules for ConfigMap (to be written).</summary>
internal sealed class ConfigMapRules : KindRules<V1ConfigMap>
{
    protected override void Validate(V1ConfigMap obj, List<FieldError> errors)
    {
    }
}
