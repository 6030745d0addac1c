using Switchyard.Model.Gateway;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for the <c>authorization</c> of an HTTPTrafficFilter: defaultAction Allow or Deny (default Deny); at most
/// 64 rules with unique names (default <c>rule-N</c>), each an action and a principal of at least one of clientCIDRs
/// (1-64 CIDRs without host bits), jwt (a provider of the filter's own jwt, 1-16 claims with a name, a value type and
/// 1-16 values, or 1-16 scopes) and headers (1-16 header names with 1-16 values), and optionally 1-16 methods.
/// </summary>
internal static class HTTPAuthorizationRules
{
    public const int MaxRules = 64;
    public const int MaxCidrs = 64;
    public const int MaxItems = 16;

    public static void Default(HTTPTrafficFilterSpec spec)
    {
        if (spec.Authorization is not { } authz) return;
        authz.DefaultAction ??= HTTPAuthorization.Deny;
        for (var i = 0; i < (authz.Rules?.Count ?? 0); i++)
        {
            if (authz.Rules![i] is not { } rule) continue;
            rule.Name ??= $"rule-{i}";
            foreach (var c in rule.Principal?.Jwt?.Claims ?? []) c?.ValueType ??= HTTPAuthorizationJWTClaim.String;
        }
    }

    public static void Validate(HTTPTrafficFilterSpec spec, List<FieldError> errors)
    {
        if (spec.Authorization is not { } authz) return;
        const string path = "spec.authorization";
        GatewayFields.OneOf(authz.DefaultAction, FieldPath.Child(path, "defaultAction"), HTTPAuthorization.Actions, errors, required: true);
        if (authz.Rules is not { } rules) return;
        var rulesPath = FieldPath.Child(path, "rules");
        GatewayFields.MaxItems(rules, rulesPath, MaxRules, errors);
        var providers = (spec.Jwt?.Providers ?? []).Select(p => p?.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var at = FieldPath.Index(rulesPath, i);
            if (rules[i] is not { } rule)
            {
                errors.Required(at);
                continue;
            }
            GatewayFields.RequiredString(rule.Name, FieldPath.Child(at, "name"), 253, errors);
            if (!string.IsNullOrEmpty(rule.Name) && !names.Add(rule.Name)) errors.Duplicate(FieldPath.Child(at, "name"), rule.Name);
            GatewayFields.OneOf(rule.Action, FieldPath.Child(at, "action"), HTTPAuthorization.Actions, errors, required: true);
            if (rule.Operation is { } op) Methods(op.Methods, FieldPath.Child(FieldPath.Child(at, "operation"), "methods"), errors);
            Principal(rule.Principal, FieldPath.Child(at, "principal"), providers, spec.Jwt is not null, errors);
        }
    }

    private static void Methods(List<string>? methods, string path, List<FieldError> errors)
    {
        if (methods is not { Count: > 0 })
        {
            errors.Required(path, "name 1 to 16 methods, or omit operation to match every method");
            return;
        }
        GatewayFields.MaxItems(methods, path, MaxItems, errors);
        for (var i = 0; i < methods.Count; i++)
            GatewayFields.OneOf(methods[i], FieldPath.Index(path, i), GatewayApi.HttpMethods, errors, required: true);
    }

    private static void Principal(HTTPAuthorizationPrincipal? principal, string path, HashSet<string> providers, bool hasJwt, List<FieldError> errors)
    {
        if (principal is null || (principal.ClientCIDRs is null && principal.Jwt is null && principal.Headers is null))
        {
            errors.Required(path, "set at least one of clientCIDRs, jwt and headers");
            return;
        }
        if (principal.ClientCIDRs is { } cidrs)
        {
            var cidrsPath = FieldPath.Child(path, "clientCIDRs");
            if (cidrs.Count == 0) errors.Required(cidrsPath, "name at least one CIDR, or omit the field");
            GatewayFields.MaxItems(cidrs, cidrsPath, MaxCidrs, errors);
            for (var i = 0; i < cidrs.Count; i++) IpRules.ValidateCidr(cidrs[i], FieldPath.Index(cidrsPath, i), errors);
        }
        if (principal.Jwt is { } jwt) Jwt(jwt, FieldPath.Child(path, "jwt"), providers, hasJwt, errors);
        if (principal.Headers is { } headers)
        {
            var headersPath = FieldPath.Child(path, "headers");
            if (headers.Count == 0) errors.Required(headersPath, "name at least one header, or omit the field");
            GatewayFields.MaxItems(headers, headersPath, MaxItems, errors);
            for (var i = 0; i < headers.Count; i++)
            {
                var at = FieldPath.Index(headersPath, i);
                if (headers[i] is not { } h)
                {
                    errors.Required(at);
                    continue;
                }
                GatewayFields.HeaderName(h.Name, FieldPath.Child(at, "name"), errors);
                Values(h.Values, FieldPath.Child(at, "values"), errors);
            }
        }
    }

    private static void Jwt(HTTPAuthorizationJWT jwt, string path, HashSet<string> providers, bool hasJwt, List<FieldError> errors)
    {
        var providerPath = FieldPath.Child(path, "provider");
        if (string.IsNullOrEmpty(jwt.Provider)) errors.Required(providerPath, "the name of a provider of this filter's jwt");
        else if (!hasJwt) errors.Invalid(providerPath, jwt.Provider, "this filter has no jwt: claims and scopes come from a token one of its providers accepted");
        else if (!providers.Contains(jwt.Provider)) errors.NotSupported(providerPath, jwt.Provider, [.. providers.Order(StringComparer.Ordinal)]);
        if (jwt.Claims is null && jwt.Scopes is null) errors.Required(path, "set claims, scopes or both");
        if (jwt.Claims is { } claims)
        {
            var claimsPath = FieldPath.Child(path, "claims");
            if (claims.Count == 0) errors.Required(claimsPath, "name at least one claim, or omit the field");
            GatewayFields.MaxItems(claims, claimsPath, MaxItems, errors);
            for (var i = 0; i < claims.Count; i++)
            {
                var at = FieldPath.Index(claimsPath, i);
                if (claims[i] is not { } c)
                {
                    errors.Required(at);
                    continue;
                }
                GatewayFields.RequiredString(c.Name, FieldPath.Child(at, "name"), 253, errors);
                if (c.Name is { Length: > 0 } name && (name.StartsWith('.') || name.EndsWith('.') || name.Contains("..", StringComparison.Ordinal)))
                    errors.Invalid(FieldPath.Child(at, "name"), name, "must be a claim name, or names joined by '.' for a nested claim (e.g. \"org.role\")");
                GatewayFields.OneOf(c.ValueType, FieldPath.Child(at, "valueType"), HTTPAuthorizationJWTClaim.ValueTypes, errors, required: true);
                Values(c.Values, FieldPath.Child(at, "values"), errors);
            }
        }
        if (jwt.Scopes is { } scopes)
        {
            var scopesPath = FieldPath.Child(path, "scopes");
            if (scopes.Count == 0) errors.Required(scopesPath, "name at least one scope, or omit the field");
            GatewayFields.MaxItems(scopes, scopesPath, MaxItems, errors);
            for (var i = 0; i < scopes.Count; i++)
            {
                var at = FieldPath.Index(scopesPath, i);
                GatewayFields.RequiredString(scopes[i], at, 253, errors);
                if (scopes[i] is { Length: > 0 } scope && scope.AsSpan().ContainsAnyExceptInRange('!', '~'))
                    errors.Invalid(at, scope, "must be one scope: printable ASCII without spaces (RFC 6749 3.3)");
            }
        }
    }

    private static void Values(List<string>? values, string path, List<FieldError> errors)
    {
        if (values is not { Count: > 0 })
        {
            errors.Required(path, "at least one value");
            return;
        }
        GatewayFields.MaxItems(values, path, MaxItems, errors);
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null) errors.Required(FieldPath.Index(path, i));
            else GatewayFields.MaxLength(values[i], FieldPath.Index(path, i), 1024, errors);
        }
    }
}
