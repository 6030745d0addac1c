using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>API rules for ReferenceGrant: 1 to 16 trusted referrers (group, kind, namespace) and 1 to 16 targets (group, kind, optional name).</summary>
internal sealed class ReferenceGrantRules : KindRules<ReferenceGrant>
{
    public const int MaxEntries = 16;

    protected override void Validate(ReferenceGrant obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        if (spec.From is not { Count: > 0 } from) errors.Required("spec.from", "must list at least one referrer");
        else
        {
            GatewayFields.MaxItems(from, "spec.from", MaxEntries, errors);
            for (var i = 0; i < from.Count; i++)
            {
                var path = FieldPath.Index("spec.from", i);
                if (from[i] is not { } f)
                {
                    errors.Required(path);
                    continue;
                }
                GatewayFields.RequiredGroup(f.Group, FieldPath.Child(path, "group"), errors);
                GatewayFields.Kind(f.Kind, FieldPath.Child(path, "kind"), errors);
                if (string.IsNullOrEmpty(f.Namespace)) errors.Required(FieldPath.Child(path, "namespace"));
                else GatewayFields.Namespace(f.Namespace, FieldPath.Child(path, "namespace"), errors);
            }
        }
        if (spec.To is not { Count: > 0 } to) errors.Required("spec.to", "must list at least one target");
        else
        {
            GatewayFields.MaxItems(to, "spec.to", MaxEntries, errors);
            for (var i = 0; i < to.Count; i++)
            {
                var path = FieldPath.Index("spec.to", i);
                if (to[i] is not { } t)
                {
                    errors.Required(path);
                    continue;
                }
                GatewayFields.RequiredGroup(t.Group, FieldPath.Child(path, "group"), errors);
                GatewayFields.Kind(t.Kind, FieldPath.Child(path, "kind"), errors);
                if (t.Name is not null) GatewayFields.ObjectName(t.Name, FieldPath.Child(path, "name"), errors);
            }
        }
    }
}
