using System.Text.RegularExpressions;
using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>Defaults and checks of one HTTPRoute match: path, headers, query parameters and method.</summary>
internal static partial class HTTPRouteMatchRules
{
    public const int MaxPathLength = 1024;
    public const int MaxHeaderMatches = 16;
    public const int MaxQueryParamMatches = 16;
    public const int MaxHeaderValue = 4096;
    public const int MaxQueryValue = 1024;

    private static readonly string[] PathTypes = [PathMatchTypes.Exact, PathMatchTypes.PathPrefix, PathMatchTypes.RegularExpression];
    internal static readonly string[] ValueTypes = [ValueMatchTypes.Exact, ValueMatchTypes.RegularExpression];

    /// <summary>Characters of an absolute URL path: unreserved, sub-delims, ':', '@', '/', and %XX escapes.</summary>
    [GeneratedRegex(@"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$")]
    private static partial Regex PathCharacters();

    /// <summary>Whether <paramref name="value"/> is made of URL path characters and %XX escapes only (and is not empty).</summary>
    internal static bool IsPathCharacters(string value) => PathCharacters().IsMatch(value);

    /// <summary>Sequences a normalized path can not contain; each makes Exact and PathPrefix matching ambiguous.</summary>
    private static readonly (string Text, bool AtEnd)[] ForbiddenSequences =
    [
        ("//", false), ("/./", false), ("/../", false), ("%2f", false), ("%2F", false), ("#", false), ("/..", true), ("/.", true),
    ];

    public static void Default(HTTPRouteMatch? m)
    {
        if (m is null) return;
        m.Path ??= new HTTPPathMatch();
        m.Path.Type ??= PathMatchTypes.PathPrefix;
        m.Path.Value ??= "/";
        foreach (var h in m.Headers ?? []) h?.Type ??= ValueMatchTypes.Exact;
        foreach (var q in m.QueryParams ?? []) q?.Type ??= ValueMatchTypes.Exact;
    }

    public static void Validate(HTTPRouteMatch? m, string path, List<FieldError> errors)
    {
        if (m is null)
        {
            errors.Required(path);
            return;
        }
        if (m.Path is { } p) ValidatePath(p, FieldPath.Child(path, "path"), errors);

        var headersPath = FieldPath.Child(path, "headers");
        GatewayFields.MaxItems(m.Headers, headersPath, MaxHeaderMatches, errors);
        var headerNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (m.Headers?.Count ?? 0); i++)
        {
            var hPath = FieldPath.Index(headersPath, i);
            if (m.Headers![i] is not { } h)
            {
                errors.Required(hPath);
                continue;
            }
            ValidateValueMatch(h.Type, h.Name, h.Value, MaxHeaderValue, hPath, headerNames, errors);
        }

        var queryPath = FieldPath.Child(path, "queryParams");
        GatewayFields.MaxItems(m.QueryParams, queryPath, MaxQueryParamMatches, errors);
        var queryNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (m.QueryParams?.Count ?? 0); i++)
        {
            var qPath = FieldPath.Index(queryPath, i);
            if (m.QueryParams![i] is not { } q)
            {
                errors.Required(qPath);
                continue;
            }
            ValidateValueMatch(q.Type, q.Name, q.Value, MaxQueryValue, qPath, queryNames, errors);
        }

        GatewayFields.OneOf(m.Method, FieldPath.Child(path, "method"), HttpMethods, errors);
    }

    private static void ValidatePath(HTTPPathMatch p, string path, List<FieldError> errors)
    {
        var type = p.Type ?? PathMatchTypes.PathPrefix;
        GatewayFields.OneOf(type, FieldPath.Child(path, "type"), PathTypes, errors);
        var value = p.Value ?? "/";
        var valuePath = FieldPath.Child(path, "value");
        GatewayFields.MaxLength(value, valuePath, MaxPathLength, errors);
        if (type is not (PathMatchTypes.Exact or PathMatchTypes.PathPrefix)) return;
        ValidateAbsolutePath(value, valuePath, $"for {type} matches", errors);
    }

    /// <summary>The rules of an Exact or PathPrefix path value: absolute, normalized, URL path characters only.</summary>
    public static void ValidateAbsolutePath(string value, string path, string context, List<FieldError> errors)
    {
        if (!value.StartsWith('/')) errors.Invalid(path, value, $"must be an absolute path starting with '/' {context}");
        foreach (var (text, atEnd) in ForbiddenSequences)
        {
            if (atEnd ? value.EndsWith(text, StringComparison.Ordinal) : value.Contains(text, StringComparison.Ordinal))
            {
                errors.Invalid(path, value, atEnd ? $"must not end with '{text}' {context}" : $"must not contain '{text}' {context}");
            }
        }
        if (value.Length > 0 && !PathCharacters().IsMatch(value))
        {
            errors.Invalid(path, value, $"may only contain URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes) {context}");
        }
    }

    internal static void ValidateValueMatch(string? type, string name, string value, int maxValue, string path, HashSet<string> names, List<FieldError> errors)
    {
        GatewayFields.OneOf(type, FieldPath.Child(path, "type"), ValueTypes, errors);
        var namePath = FieldPath.Child(path, "name");
        GatewayFields.HeaderName(name, namePath, errors);
        if (!string.IsNullOrEmpty(name) && !names.Add(name)) errors.Duplicate(namePath, name);
        GatewayFields.RequiredString(value, FieldPath.Child(path, "value"), maxValue, errors);
    }
}
