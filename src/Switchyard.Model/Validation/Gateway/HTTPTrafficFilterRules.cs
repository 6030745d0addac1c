using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for gateway.switchyard.dev/v1alpha1 HTTPTrafficFilter: fault and/or rateLimit; a delay has a duration, an
/// abort a status from 200 to 599, percentages are 0 to 100 (default 100); a rate limit has requests ≥ 1, a unit
/// Second, Minute or Hour (default Second) and a burst ≥ 1 (default requests); jwt and basicAuth follow
/// <see cref="HTTPAuthenticationRules"/>, authorization <see cref="HTTPAuthorizationRules"/>.
/// </summary>
internal sealed class HTTPTrafficFilterRules : KindRules<HTTPTrafficFilter>
{
    protected override void Default(HTTPTrafficFilter obj)
    {
        var spec = obj.Spec ??= new HTTPTrafficFilterSpec();
        if (spec.Fault?.Delay is { } d) d.Percentage ??= 100;
        if (spec.Fault?.Abort is { } a) a.Percentage ??= 100;
        if (spec.RateLimit is { } r)
        {
            r.Unit ??= HTTPLocalRateLimit.Second;
            if (r.Requests is >= 1) r.Burst ??= r.Requests;
            r.RetryAfter ??= true;
        }
        HTTPAuthenticationRules.Default(spec);
        HTTPAuthorizationRules.Default(spec);
    }

    protected override void Validate(HTTPTrafficFilter obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        if (spec.Fault is null && spec.RateLimit is null && spec.Jwt is null && spec.BasicAuth is null && spec.Authorization is null)
            errors.Required("spec", "set at least one of jwt, basicAuth, authorization, rateLimit and fault");
        if (spec.Fault is { } fault)
        {
            if (fault.Delay is null && fault.Abort is null) errors.Required("spec.fault", "set delay, abort or both");
            if (fault.Delay is { } delay)
            {
                if (delay.Duration is null) errors.Required("spec.fault.delay.duration");
                else GatewayFields.Duration(delay.Duration, "spec.fault.delay.duration", errors);
                Percentage(delay.Percentage, "spec.fault.delay.percentage", errors);
            }
            if (fault.Abort is { } abort)
            {
                if (abort.Status is not { } status) errors.Required("spec.fault.abort.status");
                else if (status is < 200 or > 599) errors.Invalid("spec.fault.abort.status", status, "must be an HTTP status from 200 to 599");
                Percentage(abort.Percentage, "spec.fault.abort.percentage", errors);
            }
        }
        if (spec.RateLimit is { } limit)
        {
            if (limit.Requests is not { } requests) errors.Required("spec.rateLimit.requests");
            else if (requests < 1) errors.Invalid("spec.rateLimit.requests", requests, "must be at least 1");
            if (HTTPLocalRateLimit.UnitLength(limit.Unit) is null) errors.NotSupported("spec.rateLimit.unit", limit.Unit, HTTPLocalRateLimit.Units);
            if (limit.Burst is { } burst && burst < 1) errors.Invalid("spec.rateLimit.burst", burst, "must be at least 1");
        }
        HTTPAuthenticationRules.Validate(spec, obj.Metadata?.NamespaceProperty ?? "default", errors);
        HTTPAuthorizationRules.Validate(spec, errors);
    }

    private static void Percentage(int? value, string path, List<FieldError> errors)
    {
        if (value is { } p && p is < 0 or > 100) errors.Invalid(path, p, "must be a percentage from 0 to 100");
    }
}
