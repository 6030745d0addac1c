using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for ListenerSet, as the v1 CRD defaults and validates it: a parentRef naming a Gateway (group and kind
/// default to gateway.networking.k8s.io and Gateway), and 1 to 64 listeners checked exactly as a Gateway's (names
/// unique within the ListenerSet, port/protocol/hostname distinct, TLS settings, allowed routes).
/// </summary>
internal sealed class ListenerSetRules : KindRules<ListenerSet>
{
    protected override void Default(ListenerSet obj)
    {
        if (obj.Spec is not { } spec) return;
        if (spec.ParentRef is { } parent)
        {
            parent.Group ??= GatewayApi.Group;
            parent.Kind ??= "Gateway";
        }
        GatewayRules.DefaultListeners(spec.Listeners);
    }

    protected override void Validate(ListenerSet obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        const string parentPath = "spec.parentRef";
        if (spec.ParentRef is not { } parent) errors.Required(parentPath, "the Gateway these listeners are added to");
        else
        {
            GatewayFields.Group(parent.Group, FieldPath.Child(parentPath, "group"), errors);
            if (parent.Kind is not null) GatewayFields.Kind(parent.Kind, FieldPath.Child(parentPath, "kind"), errors);
            GatewayFields.ObjectName(parent.Name, FieldPath.Child(parentPath, "name"), errors);
            GatewayFields.Namespace(parent.Namespace, FieldPath.Child(parentPath, "namespace"), errors);
        }
        GatewayRules.ValidateListeners(spec.Listeners, "spec.listeners", "a ListenerSet needs at least one listener", errors);
    }
}
