using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// Defaults and checks of HTTPRoute filters (on a rule or on one backend): the field named by the type is set and
/// no other; singletons are not repeated; redirect and rewrite are not combined; each filter's own limits.
/// </summary>
internal static class HTTPRouteFilterRules
{
    public const int MaxFilters = 16;
    public const int MaxHeaderActions = 16;

    private static readonly string[] Types =
    [
        FilterTypes.RequestHeaderModifier, FilterTypes.ResponseHeaderModifier, FilterTypes.RequestMirror,
        FilterTypes.RequestRedirect, FilterTypes.URLRewrite, FilterTypes.ExtensionRef, FilterTypes.CORS,
        FilterTypes.ExternalAuth,
    ];

    /// <summary>Filter types that may appear at most once in one list.</summary>
    private static readonly string[] Singletons =
    [
        FilterTypes.RequestHeaderModifier, FilterTypes.ResponseHeaderModifier, FilterTypes.RequestRedirect, FilterTypes.URLRewrite, FilterTypes.CORS,
    ];

    private static readonly string[] Schemes = ["http", "https"];
    private static readonly string[] PathModifierTypeValues = [PathModifierTypes.ReplaceFullPath, PathModifierTypes.ReplacePrefixMatch];

    public static void Default(IList<HTTPRouteFilter>? filters)
    {
        foreach (var f in filters ?? [])
        {
            if (f is null) continue;
            if (f.RequestRedirect is { } r) r.StatusCode ??= 302;
            if (f.RequestMirror is { } m)
            {
                m.BackendRef.Group ??= "";
                m.BackendRef.Kind ??= "Service";
                if (m.Fraction is { } fr) fr.Denominator ??= 100;
            }
            if (f.Cors is { } c) c.MaxAge ??= 5;
            if (f.ExternalAuth is { } a) HTTPExternalAuthFilterRules.Default(a);
        }
    }

    public static bool UsesReplacePrefixMatch(IList<HTTPRouteFilter>? filters) =>
        filters?.Any(f => f?.RequestRedirect?.Path?.Type == PathModifierTypes.ReplacePrefixMatch
            || f?.UrlRewrite?.Path?.Type == PathModifierTypes.ReplacePrefixMatch) == true;

    /// <summary>The filter types a GRPCRoute may use (its CRD's enum).</summary>
    public static readonly string[] GrpcTypes =
    [
        FilterTypes.RequestHeaderModifier, FilterTypes.ResponseHeaderModifier, FilterTypes.RequestMirror, FilterTypes.ExtensionRef,
    ];

    /// <summary>Checks an HTTPRoute filter list, or with <paramref name="types"/> a list of another route kind.</summary>
    public static void ValidateList(IList<HTTPRouteFilter>? filters, string path, List<FieldError> errors, string[]? types = null)
    {
        if (filters is null) return;
        GatewayFields.MaxItems(filters, path, MaxFilters, errors);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < filters.Count; i++)
        {
            var fPath = FieldPath.Index(path, i);
            if (filters[i] is not { } f)
            {
                errors.Required(fPath);
                continue;
            }
            Validate(f, fPath, types ?? Types, errors);
            if (Singletons.Contains(f.Type, StringComparer.Ordinal) && !seen.Add(f.Type))
            {
                errors.Duplicate(FieldPath.Child(fPath, "type"), f.Type);
            }
        }
        if (filters.Any(f => f?.Type == FilterTypes.RequestRedirect) && filters.Any(f => f?.Type == FilterTypes.URLRewrite))
        {
            errors.Invalid(path, "RequestRedirect+URLRewrite", "a RequestRedirect and a URLRewrite filter can not be used together");
        }
    }

    private static void Validate(HTTPRouteFilter f, string path, string[] types, List<FieldError> errors)
    {
        GatewayFields.OneOf(f.Type, FieldPath.Child(path, "type"), types, errors, required: true);
        Member(f, f.RequestHeaderModifier, FilterTypes.RequestHeaderModifier, "requestHeaderModifier", path, errors);
        Member(f, f.ResponseHeaderModifier, FilterTypes.ResponseHeaderModifier, "responseHeaderModifier", path, errors);
        Member(f, f.RequestMirror, FilterTypes.RequestMirror, "requestMirror", path, errors);
        Member(f, f.RequestRedirect, FilterTypes.RequestRedirect, "requestRedirect", path, errors);
        Member(f, f.UrlRewrite, FilterTypes.URLRewrite, "urlRewrite", path, errors);
        Member(f, f.Cors, FilterTypes.CORS, "cors", path, errors);
        Member(f, f.ExternalAuth, FilterTypes.ExternalAuth, "externalAuth", path, errors);
        Member(f, f.ExtensionRef, FilterTypes.ExtensionRef, "extensionRef", path, errors);

        if (f.RequestHeaderModifier is { } req) ValidateHeaderFilter(req, FieldPath.Child(path, "requestHeaderModifier"), errors);
        if (f.ResponseHeaderModifier is { } resp) ValidateHeaderFilter(resp, FieldPath.Child(path, "responseHeaderModifier"), errors);
        if (f.RequestMirror is { } mirror) ValidateMirror(mirror, FieldPath.Child(path, "requestMirror"), errors);
        if (f.RequestRedirect is { } redirect) ValidateRedirect(redirect, FieldPath.Child(path, "requestRedirect"), errors);
        if (f.UrlRewrite is { } rewrite)
        {
            var rPath = FieldPath.Child(path, "urlRewrite");
            if (rewrite.Hostname is not null) GatewayFields.PreciseHostname(rewrite.Hostname, FieldPath.Child(rPath, "hostname"), errors);
            if (rewrite.Path is { } p) ValidatePathModifier(p, FieldPath.Child(rPath, "path"), errors);
        }
        if (f.Cors is { } cors) HTTPCORSFilterRules.Validate(cors, FieldPath.Child(path, "cors"), errors);
        if (f.ExternalAuth is { } auth) HTTPExternalAuthFilterRules.Validate(auth, FieldPath.Child(path, "externalAuth"), errors);
        if (f.ExtensionRef is { } ext) GatewayFields.LocalRef(ext.Group, ext.Kind, ext.Name, FieldPath.Child(path, "extensionRef"), errors);
    }

    /// <summary>The union rule: the member named by the type must be set, every other member must not be.</summary>
    private static void Member(HTTPRouteFilter f, object? member, string type, string field, string path, List<FieldError> errors)
    {
        if (f.Type == type && member is null) errors.Required(FieldPath.Child(path, field), $"must be set for a filter of type {type}");
        else if (f.Type != type && member is not null && !string.IsNullOrEmpty(f.Type))
        {
            errors.Forbidden(FieldPath.Child(path, field), $"must not be set for a filter of type {f.Type}");
        }
    }

    private static void ValidateHeaderFilter(HTTPHeaderFilter h, string path, List<FieldError> errors)
    {
        // One action per header name across set, add and remove; names compare case-insensitively.
        var acted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ValidateHeaders(h.Set, FieldPath.Child(path, "set"), acted, errors);
        ValidateHeaders(h.Add, FieldPath.Child(path, "add"), acted, errors);
        var removePath = FieldPath.Child(path, "remove");
        GatewayFields.MaxItems(h.Remove, removePath, MaxHeaderActions, errors);
        for (var i = 0; i < (h.Remove?.Count ?? 0); i++)
        {
            var name = h.Remove![i];
            var p = FieldPath.Index(removePath, i);
            GatewayFields.HeaderName(name, p, errors);
            if (!string.IsNullOrEmpty(name) && !acted.Add(name)) errors.Duplicate(p, name);
        }
    }

    private static void ValidateHeaders(IList<HTTPHeader>? headers, string path, HashSet<string> acted, List<FieldError> errors)
    {
        GatewayFields.MaxItems(headers, path, MaxHeaderActions, errors);
        for (var i = 0; i < (headers?.Count ?? 0); i++)
        {
            var p = FieldPath.Index(path, i);
            if (headers![i] is not { } h)
            {
                errors.Required(p);
                continue;
            }
            GatewayFields.HeaderName(h.Name, FieldPath.Child(p, "name"), errors);
            if (!string.IsNullOrEmpty(h.Name) && !acted.Add(h.Name)) errors.Duplicate(FieldPath.Child(p, "name"), h.Name);
            GatewayFields.RequiredString(h.Value, FieldPath.Child(p, "value"), HTTPRouteMatchRules.MaxHeaderValue, errors);
        }
    }

    private static void ValidateMirror(HTTPRequestMirrorFilter m, string path, List<FieldError> errors)
    {
        var b = m.BackendRef;
        if (b is null) errors.Required(FieldPath.Child(path, "backendRef"));
        else GatewayFields.BackendObjectRef(b.Group, b.Kind, b.Name, b.Namespace, b.Port, FieldPath.Child(path, "backendRef"), errors);
        if (m.Percent is { } pct && (pct < 0 || pct > 100)) errors.Invalid(FieldPath.Child(path, "percent"), pct, "must be between 0 and 100, inclusive");
        if (m.Fraction is { } fr)
        {
            var frPath = FieldPath.Child(path, "fraction");
            var denominator = fr.Denominator ?? 100;
            if (fr.Numerator < 0) errors.Invalid(FieldPath.Child(frPath, "numerator"), fr.Numerator, "must be greater than or equal to 0");
            if (denominator < 1) errors.Invalid(FieldPath.Child(frPath, "denominator"), denominator, "must be greater than or equal to 1");
            else if (fr.Numerator > denominator) errors.Invalid(FieldPath.Child(frPath, "numerator"), fr.Numerator, $"must not be greater than the denominator ({denominator})");
        }
        if (m.Percent is not null && m.Fraction is not null) errors.Forbidden(path, "set percent or fraction, not both");
    }

    private static void ValidateRedirect(HTTPRequestRedirectFilter r, string path, List<FieldError> errors)
    {
        GatewayFields.OneOf(r.Scheme, FieldPath.Child(path, "scheme"), Schemes, errors);
        if (r.Hostname is not null) GatewayFields.PreciseHostname(r.Hostname, FieldPath.Child(path, "hostname"), errors);
        if (r.Path is { } p) ValidatePathModifier(p, FieldPath.Child(path, "path"), errors);
        GatewayFields.Port(r.Port, FieldPath.Child(path, "port"), errors);
        if (r.StatusCode is { } code && !RedirectStatusCodes.Contains(code))
        {
            errors.NotSupported(FieldPath.Child(path, "statusCode"), code, RedirectStatusCodes.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private static void ValidatePathModifier(HTTPPathModifier p, string path, List<FieldError> errors)
    {
        GatewayFields.OneOf(p.Type, FieldPath.Child(path, "type"), PathModifierTypeValues, errors, required: true);
        var fullPath = FieldPath.Child(path, "replaceFullPath");
        var prefixPath = FieldPath.Child(path, "replacePrefixMatch");
        if (p.Type == PathModifierTypes.ReplaceFullPath && p.ReplaceFullPath is null) errors.Required(fullPath, "must be set when type is ReplaceFullPath");
        if (p.Type != PathModifierTypes.ReplaceFullPath && p.ReplaceFullPath is not null) errors.Forbidden(fullPath, "may only be set when type is ReplaceFullPath");
        if (p.Type == PathModifierTypes.ReplacePrefixMatch && p.ReplacePrefixMatch is null) errors.Required(prefixPath, "must be set when type is ReplacePrefixMatch");
        if (p.Type != PathModifierTypes.ReplacePrefixMatch && p.ReplacePrefixMatch is not null) errors.Forbidden(prefixPath, "may only be set when type is ReplacePrefixMatch");
        GatewayFields.MaxLength(p.ReplaceFullPath, fullPath, HTTPRouteMatchRules.MaxPathLength, errors);
        GatewayFields.MaxLength(p.ReplacePrefixMatch, prefixPath, HTTPRouteMatchRules.MaxPathLength, errors);
    }
}
