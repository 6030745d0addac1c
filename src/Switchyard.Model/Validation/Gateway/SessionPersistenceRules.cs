using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// Checks of a route rule's <c>sessionPersistence</c> (HTTPRoute and GRPCRoute share it, GEP-1619) with the limits of
/// the v1 CRD: sessionName at most 128 characters, timeouts Gateway API durations, type Cookie or Header, lifetimeType
/// Session or Permanent, and a Permanent cookie only with an absoluteTimeout (its Expires/Max-Age). Public because the
/// proxy checks the rules it compiles again: objects read without validation must fail closed, not half work.
/// </summary>
public static class SessionPersistenceRules
{
    public const int MaxSessionName = 128;

    private static readonly string[] SessionTypes = [SessionPersistenceTypes.Cookie, SessionPersistenceTypes.Header];
    private static readonly string[] LifetimeTypes = [CookieLifetimeTypes.Permanent, CookieLifetimeTypes.Session];

    /// <summary>Every problem of <paramref name="sp"/>, whose field path is <paramref name="path"/> (…rules[0].sessionPersistence).</summary>
    public static IReadOnlyList<FieldError> Validate(SessionPersistence sp, string path)
    {
        ArgumentNullException.ThrowIfNull(sp);
        var errors = new List<FieldError>();
        Validate(sp, path, errors);
        return errors;
    }

    internal static void Validate(SessionPersistence sp, string path, List<FieldError> errors)
    {
        GatewayFields.MaxLength(sp.SessionName, FieldPath.Child(path, "sessionName"), MaxSessionName, errors);
        GatewayFields.Duration(sp.AbsoluteTimeout, FieldPath.Child(path, "absoluteTimeout"), errors);
        GatewayFields.Duration(sp.IdleTimeout, FieldPath.Child(path, "idleTimeout"), errors);
        GatewayFields.OneOf(sp.Type, FieldPath.Child(path, "type"), SessionTypes, errors);
        if (sp.CookieConfig is { } cc)
        {
            GatewayFields.OneOf(cc.LifetimeType, FieldPath.Child(path, "cookieConfig.lifetimeType"), LifetimeTypes, errors);
            if (cc.LifetimeType == CookieLifetimeTypes.Permanent && sp.AbsoluteTimeout is null)
            {
                errors.Required(FieldPath.Child(path, "absoluteTimeout"), "a Permanent cookie needs an absolute timeout");
            }
        }
    }
}
