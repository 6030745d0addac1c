using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// Defaults and checks of an HTTPRoute ExternalAuth filter (<see cref="HTTPExternalAuthFilter"/>, Experimental
/// channel v1.4) with the CRD's rules: protocol HTTP or GRPC, and the sub-configuration of that protocol set
/// (<c>http</c> for HTTP, <c>grpc</c> for GRPC) and no other; a backendRef as a backendRef's; an HTTP path prefix of URL
/// path characters (at most 1024); header lists of at most 64 HTTP header names each, none twice
/// (case-insensitively); forwardBody.maxSize 0..65535. Public because the proxy checks the filters it compiles again:
/// objects read without validation must fail closed, not half work.
/// </summary>
public static class HTTPExternalAuthFilterRules
{
    public const int MaxHeaders = 64;
    public const int MaxPathLength = 1024;
    public const int MaxBodySize = ushort.MaxValue;

    private static readonly string[] Protocols = [ExternalAuthProtocols.HTTP, ExternalAuthProtocols.GRPC];

    public static void Default(HTTPExternalAuthFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.BackendRef is { } b)
        {
            b.Group ??= "";
            b.Kind ??= "Service";
        }
    }

    /// <summary>Every problem of <paramref name="filter"/>, whose field path is <paramref name="path"/> (…filters[0].externalAuth).</summary>
    public static IReadOnlyList<FieldError> Validate(HTTPExternalAuthFilter filter, string path)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var errors = new List<FieldError>();
        Validate(filter, path, errors);
        return errors;
    }

    internal static void Validate(HTTPExternalAuthFilter f, string path, List<FieldError> errors)
    {
        GatewayFields.OneOf(f.Protocol, FieldPath.Child(path, "protocol"), Protocols, errors, required: true);
        var refPath = FieldPath.Child(path, "backendRef");
        if (f.BackendRef is not { } b) errors.Required(refPath);
        else GatewayFields.BackendObjectRef(b.Group, b.Kind, b.Name, b.Namespace, b.Port, refPath, errors);

        if (Protocols.Contains(f.Protocol, StringComparer.Ordinal))
        {
            // With no protocol, or one not known, which settings belong is unknown: the protocol's error says enough.
            Union(f.Protocol, ExternalAuthProtocols.GRPC, f.Grpc, FieldPath.Child(path, "grpc"), errors);
            Union(f.Protocol, ExternalAuthProtocols.HTTP, f.Http, FieldPath.Child(path, "http"), errors);
        }
        if (f.Grpc is { } grpc) HeaderNames(grpc.AllowedHeaders, FieldPath.Child(FieldPath.Child(path, "grpc"), "allowedHeaders"), errors);
        if (f.Http is { } http)
        {
            var httpPath = FieldPath.Child(path, "http");
            if (http.Path is { } prefix) PathPrefix(prefix, FieldPath.Child(httpPath, "path"), errors);
            HeaderNames(http.AllowedHeaders, FieldPath.Child(httpPath, "allowedHeaders"), errors);
            HeaderNames(http.AllowedResponseHeaders, FieldPath.Child(httpPath, "allowedResponseHeaders"), errors);
        }
        if (f.ForwardBody?.MaxSize is { } size and (< 0 or > MaxBodySize))
        {
            errors.Invalid(FieldPath.Child(FieldPath.Child(path, "forwardBody"), "maxSize"), size, $"must be between 0 and {MaxBodySize}, inclusive");
        }
    }

    /// <summary>The CRD's union: the protocol's own settings must be present, another protocol's must not.</summary>
    private static void Union(string protocol, string owner, object? settings, string path, List<FieldError> errors)
    {
        if (protocol == owner && settings is null) errors.Required(path, $"must be set when protocol is {owner}");
        else if (protocol != owner && settings is not null) errors.Forbidden(path, $"may only be set when protocol is {owner}");
    }

    /// <summary>
    /// The CRD pattern of a path value (URL path characters and %XX escapes, so no '?' or '#'), at most 1024
    /// characters. The CRD requires neither a leading '/' nor the absence of a trailing one; the proxy adds the
    /// first and drops the second.
    /// </summary>
    private static void PathPrefix(string value, string path, List<FieldError> errors)
    {
        if (value.Length == 0)
        {
            errors.Invalid(path, value, "must not be empty; leave it out to add no prefix");
            return;
        }
        GatewayFields.MaxLength(value, path, MaxPathLength, errors);
        if (!HTTPRouteMatchRules.IsPathCharacters(value))
        {
            errors.Invalid(path, value, "may only contain URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes)");
        }
    }

    /// <summary>At most 64 header names, each an HTTP token, none twice (header names compare case-insensitively).</summary>
    private static void HeaderNames(IList<string>? names, string path, List<FieldError> errors)
    {
        if (names is null) return;
        GatewayFields.MaxItems(names, path, MaxHeaders, errors);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            var p = FieldPath.Index(path, i);
            GatewayFields.HeaderName(names[i], p, errors);
            if (!string.IsNullOrEmpty(names[i]) && !seen.Add(names[i])) errors.Duplicate(p, names[i]);
        }
    }
}
