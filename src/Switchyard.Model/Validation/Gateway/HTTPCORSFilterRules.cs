using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// Checks of an HTTPRoute CORS filter (<see cref="HTTPCORSFilter"/>) with the limits of the v1 CRD: at most 64
/// origins, 9 methods, 64 allowed and 64 exposed headers, each list a set (no value twice); origins of the form
/// <c>scheme://host[:port]</c> (see <see cref="CorsOriginPattern"/>) with a port 1..65535; methods the nine HTTP
/// methods; header names HTTP tokens of at most 256 characters; <c>*</c> alone in allowOrigins, allowMethods and
/// allowHeaders; maxAge at least 1. Public because the proxy checks the filters it compiles again: objects read
/// without validation must fail closed, not half work.
/// </summary>
public static class HTTPCORSFilterRules
{
    public const int MaxOrigins = 64;
    public const int MaxMethods = 9;
    public const int MaxHeaders = 64;

    private static readonly string[] MethodValues = [.. HttpMethods, "*"];

    /// <summary>Every problem of <paramref name="filter"/>, whose field path is <paramref name="path"/> (…filters[0].cors).</summary>
    public static IReadOnlyList<FieldError> Validate(HTTPCORSFilter filter, string path)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var errors = new List<FieldError>();
        Validate(filter, path, errors);
        return errors;
    }

    internal static void Validate(HTTPCORSFilter c, string path, List<FieldError> errors)
    {
        var originsPath = FieldPath.Child(path, "allowOrigins");
        GatewayFields.MaxItems(c.AllowOrigins, originsPath, MaxOrigins, errors);
        Each(c.AllowOrigins, originsPath, errors, Origin);
        WildcardAlone(c.AllowOrigins, originsPath, errors);

        var methodsPath = FieldPath.Child(path, "allowMethods");
        GatewayFields.MaxItems(c.AllowMethods, methodsPath, MaxMethods, errors);
        Each(c.AllowMethods, methodsPath, errors, (m, p, e) => GatewayFields.OneOf(m, p, MethodValues, e, required: true));
        WildcardAlone(c.AllowMethods, methodsPath, errors);

        var allowHeadersPath = FieldPath.Child(path, "allowHeaders");
        GatewayFields.MaxItems(c.AllowHeaders, allowHeadersPath, MaxHeaders, errors);
        Each(c.AllowHeaders, allowHeadersPath, errors, GatewayFields.HeaderName);
        WildcardAlone(c.AllowHeaders, allowHeadersPath, errors);

        // The CRD lets "*" stand beside names here: the names are exposed as well (they matter when credentials are allowed).
        var exposePath = FieldPath.Child(path, "exposeHeaders");
        GatewayFields.MaxItems(c.ExposeHeaders, exposePath, MaxHeaders, errors);
        Each(c.ExposeHeaders, exposePath, errors, GatewayFields.HeaderName);

        if (c.MaxAge is < 1) errors.Invalid(FieldPath.Child(path, "maxAge"), c.MaxAge, "must be greater than or equal to 1");
    }

    private static void Origin(string? value, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Required(path);
            return;
        }
        if (value == CorsOriginPattern.Any) return;
        if (value.Length > CorsOriginPattern.MaxLength) errors.TooLong(path, CorsOriginPattern.MaxLength, "characters");
        else if (!CorsOriginPattern.HasForm(value))
        {
            errors.Invalid(path, value, "must be \"*\" or an origin scheme://host[:port]: scheme http or https, a host of letters, digits, '-' and '.' "
                + "that may start with the wildcard label \"*.\" or be \"*\" alone, an optional port (e.g. \"https://shop.example.com\", \"https://*.example.com:8443\")");
        }
        else if (CorsOriginPattern.Parse(value) is null) errors.Invalid(path, value, "the port must be between 1 and 65535, inclusive");
    }

    /// <summary>Checks each entry, then reports entries seen before (the CRD's lists are sets; values compare exactly).</summary>
    private static void Each(IList<string>? values, string path, List<FieldError> errors, Action<string?, string, List<FieldError>> check)
    {
        if (values is null) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            var p = FieldPath.Index(path, i);
            check(values[i], p, errors);
            if (!string.IsNullOrEmpty(values[i]) && !seen.Add(values[i])) errors.Duplicate(p, values[i]);
        }
    }

    private static void WildcardAlone(IList<string>? values, string path, List<FieldError> errors)
    {
        if (values is { Count: > 1 } && values.Contains("*")) errors.Invalid(path, "*", "the wildcard '*' must be the only entry when present");
    }
}
