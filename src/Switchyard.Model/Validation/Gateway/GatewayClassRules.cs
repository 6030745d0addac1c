using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>API rules for GatewayClass: a domain-prefixed controller name, an optional parameters reference and a short description.</summary>
internal sealed class GatewayClassRules : KindRules<GatewayClass>
{
    public const int MaxDescription = 64;

    protected override void Validate(GatewayClass obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        GatewayFields.ControllerName(spec.ControllerName, "spec.controllerName", errors);
        GatewayFields.MaxLength(spec.Description, "spec.description", MaxDescription, errors);
        if (spec.ParametersRef is { } p)
        {
            GatewayFields.LocalRef(p.Group, p.Kind, p.Name, "spec.parametersRef", errors);
            GatewayFields.Namespace(p.Namespace, "spec.parametersRef.namespace", errors);
        }
    }
}
