using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for HTTPRoute, as the v1 CRD defaults and validates it: parent references, hostnames, rules with
/// their matches, filters, backends, timeouts, retries and session persistence. Matches and filters are checked
/// by <see cref="HTTPRouteMatchRules"/> and <see cref="HTTPRouteFilterRules"/>.
/// </summary>
internal sealed class HTTPRouteRules : KindRules<HTTPRoute>
{
    public const int MaxParentRefs = 32;
    public const int MaxHostnames = 16;
    public const int MaxRules = 16;
    public const int MaxMatchesPerRule = 64;
    public const int MaxMatchesPerRoute = 128;
    public const int MaxBackendRefs = 16;
    public const int MaxWeight = 1_000_000;

    protected override void Default(HTTPRoute obj)
    {
        if (obj.Spec is not { } spec) return;
        DefaultParentRefs(spec.ParentRefs);
        if (spec.Rules is null or { Count: 0 }) spec.Rules = [new HTTPRouteRule()];
        foreach (var rule in spec.Rules)
        {
            if (rule is null) continue;
            if (rule.Matches is null or { Count: 0 }) rule.Matches = [new HTTPRouteMatch()];
            foreach (var m in rule.Matches) HTTPRouteMatchRules.Default(m);
            DefaultRuleParts(rule.Filters, rule.BackendRefs, rule.SessionPersistence);
        }
    }

    /// <summary>The CRD defaults of every route kind's parentRefs: group gateway.networking.k8s.io, kind Gateway.</summary>
    internal static void DefaultParentRefs(IList<ParentReference>? refs)
    {
        foreach (var p in refs ?? [])
        {
            if (p is null) continue;
            p.Group ??= GatewayApi.Group;
            p.Kind ??= "Gateway";
        }
    }

    /// <summary>The CRD defaults of what HTTPRoute and GRPCRoute rules share: filters, backendRefs (core Service, weight 1) and session persistence.</summary>
    internal static void DefaultRuleParts(IList<HTTPRouteFilter>? filters, IList<HTTPBackendRef>? backendRefs, SessionPersistence? sessionPersistence)
    {
        HTTPRouteFilterRules.Default(filters);
        foreach (var b in backendRefs ?? [])
        {
            if (b is null) continue;
            b.Group ??= "";
            b.Kind ??= "Service";
            b.Weight ??= 1;
            HTTPRouteFilterRules.Default(b.Filters);
        }
        if (sessionPersistence is { } sp)
        {
            sp.Type ??= SessionPersistenceTypes.Cookie;
            if (sp.CookieConfig is { } cc) cc.LifetimeType ??= CookieLifetimeTypes.Session;
        }
    }

    protected override void Validate(HTTPRoute obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        ValidateRouteSpec(spec.ParentRefs, spec.Hostnames, spec.Rules, r => r.Name, r => r.Matches?.Count ?? 0, ValidateRule, errors);
    }

    /// <summary>
    /// What every route kind shares: parent refs, hostnames, and a rules list (at most <see cref="MaxRules"/>, at most
    /// <see cref="MaxMatchesPerRoute"/> matches across them, rule names unique); each rule is then checked by <paramref name="rule"/>.
    /// </summary>
    internal static void ValidateRouteSpec<TRule>(
        IList<ParentReference>? parentRefs, IList<string>? hostnames, IList<TRule>? rules, Func<TRule, string?> name, Func<TRule, int> matchCount,
        Action<TRule, string, List<FieldError>> rule, List<FieldError> errors)
        where TRule : class
    {
        ValidateParentRefs(parentRefs, errors);
        GatewayFields.MaxItems(hostnames, "spec.hostnames", MaxHostnames, errors);
        for (var i = 0; i < (hostnames?.Count ?? 0); i++)
        {
            GatewayFields.Hostname(hostnames![i], FieldPath.Index("spec.hostnames", i), errors);
        }
        const string root = "spec.rules";
        if (rules is null) return;
        GatewayFields.MaxItems(rules, root, MaxRules, errors);
        var totalMatches = rules.Sum(r => r is null ? 0 : matchCount(r));
        if (totalMatches > MaxMatchesPerRoute)
        {
            errors.Invalid(root, totalMatches, $"a route may have at most {MaxMatchesPerRoute} matches across all its rules");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var path = FieldPath.Index(root, i);
            if (rules[i] is not { } r)
            {
                errors.Required(path);
                continue;
            }
            if (name(r) is { } ruleName)
            {
                GatewayFields.SectionName(ruleName, FieldPath.Child(path, "name"), errors);
                if (!names.Add(ruleName)) errors.Duplicate(FieldPath.Child(path, "name"), ruleName);
            }
            rule(r, path, errors);
        }
    }

    /// <summary>Parent refs: each valid; several refs to the same parent must each name a distinct section or port.</summary>
    internal static void ValidateParentRefs(IList<ParentReference>? refs, List<FieldError> errors)
    {
        const string root = "spec.parentRefs";
        if (refs is null) return;
        GatewayFields.MaxItems(refs, root, MaxParentRefs, errors);
        for (var i = 0; i < refs.Count; i++) GatewayFields.ParentRef(refs[i], FieldPath.Index(root, i), errors);

        var byParent = refs.Select((r, i) => (r, i)).Where(x => x.r is not null)
            .GroupBy(x => (x.r.Group ?? GatewayApi.Group, x.r.Kind ?? "Gateway", x.r.Namespace ?? "", x.r.Name));
        foreach (var group in byParent)
        {
            if (group.Count() < 2) continue;
            var sections = new HashSet<(string, int)>();
            foreach (var (r, i) in group)
            {
                var path = FieldPath.Index(root, i);
                if (r.SectionName is null && r.Port is null)
                {
                    errors.Required(path, $"sectionName or port must be set when several parentRefs name {r.Kind ?? "Gateway"} {r.Name}");
                }
                else if (!sections.Add((r.SectionName ?? "", r.Port ?? 0)))
                {
                    errors.Duplicate(path, $"{r.Name}/{r.SectionName}" + (r.Port is { } p ? $":{p}" : ""));
                }
            }
        }
    }

    private static void ValidateRule(HTTPRouteRule rule, string path, List<FieldError> errors)
    {
        var matchesPath = FieldPath.Child(path, "matches");
        GatewayFields.MaxItems(rule.Matches, matchesPath, MaxMatchesPerRule, errors);
        for (var i = 0; i < (rule.Matches?.Count ?? 0); i++)
        {
            HTTPRouteMatchRules.Validate(rule.Matches![i], FieldPath.Index(matchesPath, i), errors);
        }

        var filtersPath = FieldPath.Child(path, "filters");
        HTTPRouteFilterRules.ValidateList(rule.Filters, filtersPath, errors);
        if (rule.BackendRefs is { Count: > 0 } && rule.Filters?.Any(f => f?.RequestRedirect is not null) == true)
        {
            errors.Forbidden(filtersPath, "a RequestRedirect filter answers the request itself and can not be combined with backendRefs");
        }
        if (HTTPRouteFilterRules.UsesReplacePrefixMatch(rule.Filters) && !HasSinglePrefixMatch(rule))
        {
            errors.Invalid(filtersPath, "ReplacePrefixMatch", "replacing the prefix match needs the rule to have exactly one match, of type PathPrefix");
        }

        ValidateBackendRefs(rule.BackendRefs, FieldPath.Child(path, "backendRefs"), null, errors, (b, filtersPath) =>
        {
            if (HTTPRouteFilterRules.UsesReplacePrefixMatch(b.Filters) && !HasSinglePrefixMatch(rule))
            {
                errors.Invalid(filtersPath, "ReplacePrefixMatch", "replacing the prefix match needs the rule to have exactly one match, of type PathPrefix");
            }
        });

        if (rule.Timeouts is { } t) ValidateTimeouts(t, FieldPath.Child(path, "timeouts"), errors);
        if (rule.Retry is { } retry) ValidateRetry(retry, FieldPath.Child(path, "retry"), errors);
        if (rule.SessionPersistence is { } sp) SessionPersistenceRules.Validate(sp, FieldPath.Child(path, "sessionPersistence"), errors);
    }

    /// <summary>
    /// A rule's backendRefs, as HTTPRoute and GRPCRoute share them: at most <see cref="MaxBackendRefs"/>, each a valid
    /// reference with a weight in range and filters of <paramref name="filterTypes"/> (all HTTPRoute types when null);
    /// <paramref name="more"/> adds a kind's own checks of one backendRef, given its filters' path.
    /// </summary>
    internal static void ValidateBackendRefs(
        IList<HTTPBackendRef>? backendRefs, string path, string[]? filterTypes, List<FieldError> errors, Action<HTTPBackendRef, string>? more = null)
    {
        GatewayFields.MaxItems(backendRefs, path, MaxBackendRefs, errors);
        for (var i = 0; i < (backendRefs?.Count ?? 0); i++)
        {
            var bPath = FieldPath.Index(path, i);
            if (backendRefs![i] is not { } b)
            {
                errors.Required(bPath);
                continue;
            }
            GatewayFields.BackendObjectRef(b.Group, b.Kind, b.Name, b.Namespace, b.Port, bPath, errors);
            if (b.Weight is { } w && (w < 0 || w > MaxWeight))
            {
                errors.Invalid(FieldPath.Child(bPath, "weight"), w, $"must be between 0 and {MaxWeight}, inclusive");
            }
            var filtersPath = FieldPath.Child(bPath, "filters");
            HTTPRouteFilterRules.ValidateList(b.Filters, filtersPath, errors, filterTypes);
            more?.Invoke(b, filtersPath);
        }
    }

    private static bool HasSinglePrefixMatch(HTTPRouteRule rule) =>
        rule.Matches is { Count: 1 } m && m[0]?.Path?.Type == PathMatchTypes.PathPrefix;

    private static void ValidateTimeouts(HTTPRouteTimeouts t, string path, List<FieldError> errors)
    {
        var request = GatewayFields.Duration(t.Request, FieldPath.Child(path, "request"), errors);
        var backend = GatewayFields.Duration(t.BackendRequest, FieldPath.Child(path, "backendRequest"), errors);
        if (request is { } r && backend is { } b && r != TimeSpan.Zero && b > r)
        {
            errors.Invalid(FieldPath.Child(path, "backendRequest"), t.BackendRequest, $"must not be longer than the request timeout ({t.Request})");
        }
    }

    private static void ValidateRetry(HTTPRouteRetry retry, string path, List<FieldError> errors)
    {
        var codesPath = FieldPath.Child(path, "codes");
        var seen = new HashSet<int>();
        for (var i = 0; i < (retry.Codes?.Count ?? 0); i++)
        {
            var c = retry.Codes![i];
            if (c < 400 || c > 599) errors.Invalid(FieldPath.Index(codesPath, i), c, "must be an HTTP status code between 400 and 599, inclusive");
            if (!seen.Add(c)) errors.Duplicate(FieldPath.Index(codesPath, i), c);
        }
        if (retry.Attempts is < 0) errors.Invalid(FieldPath.Child(path, "attempts"), retry.Attempts, "must be greater than or equal to 0");
        GatewayFields.Duration(retry.Backoff, FieldPath.Child(path, "backoff"), errors);
    }
}
