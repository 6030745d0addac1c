using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for TCPRoute, as the v1 CRD defaults and validates it (a v1alpha2 manifest is held to them too): parent
/// references as for HTTPRoute; exactly one rule with 1 to 16 weighted backendRefs. A TCP listener serves one rule, so
/// a second rule could never be reached: it is refused here rather than ignored.
/// </summary>
internal sealed class TCPRouteRules : KindRules<TCPRoute>
{
    protected override void Default(TCPRoute obj)
    {
        if (obj.Spec is { } spec) L4RouteRules.Default(spec.ParentRefs, (spec.Rules ?? []).Select(r => r?.BackendRefs));
    }

    protected override void Validate(TCPRoute obj, List<FieldError> errors) =>
        L4RouteRules.Validate(obj.Metadata, Kind, obj.Spec, s => s.ParentRefs, s => s.Rules, r => r.Name, r => r.BackendRefs, errors);
}
