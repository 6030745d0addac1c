using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for UDPRoute, held to TCPRoute's (the v1alpha2 CRD allows 16 rules, but a UDP listener can serve one only,
/// so a second rule is refused here rather than ignored): parent references as for HTTPRoute; exactly one rule with 1
/// to 16 weighted backendRefs.
/// </summary>
internal sealed class UDPRouteRules : KindRules<UDPRoute>
{
    protected override void Default(UDPRoute obj)
    {
        if (obj.Spec is { } spec) L4RouteRules.Default(spec.ParentRefs, (spec.Rules ?? []).Select(r => r?.BackendRefs));
    }

    protected override void Validate(UDPRoute obj, List<FieldError> errors) =>
        L4RouteRules.Validate(obj.Metadata, Kind, obj.Spec, s => s.ParentRefs, s => s.Rules, r => r.Name, r => r.BackendRefs, errors);
}
