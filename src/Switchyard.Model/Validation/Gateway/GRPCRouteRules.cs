using System.Text.RegularExpressions;
using Switchyard.Model.Gateway;
using static Switchyard.Model.Gateway.GatewayApi;

namespace Switchyard.Model.Validation.Gateway;

/// <summary>
/// API rules for GRPCRoute, as the v1 CRD defaults and validates it: parent references and hostnames as for
/// HTTPRoute; rules with method and header matches, the four GRPCRoute filter types, weighted backends. Exact
/// service and method names must be valid gRPC names (the CRD's patterns).
/// </summary>
internal sealed partial class GRPCRouteRules : KindRules<GRPCRoute>
{
    public const int MaxRules = 16;
    public const int MaxMatchesPerRule = 8;
    public const int MaxMatchesPerRoute = 128;
    public const int MaxHeaderMatches = 16;
    public const int MaxNameLength = 1024;

    private static readonly string[] MethodTypes = [GrpcMethodMatchTypes.Exact, GrpcMethodMatchTypes.RegularExpression];

    /// <summary>A fully qualified protobuf service name, optionally with a leading dot; letters compare case-insensitively.</summary>
    [GeneratedRegex(@"^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ServiceName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z_0-9]*$")]
    private static partial Regex MethodName();

    protected override void Default(GRPCRoute obj)
    {
        if (obj.Spec is not { } spec) return;
        HTTPRouteRules.DefaultParentRefs(spec.ParentRefs);
        foreach (var rule in spec.Rules ?? [])
        {
            if (rule is null) continue;
            foreach (var m in rule.Matches ?? [])
            {
                if (m is null) continue;
                if (m.Method is { } method) method.Type ??= GrpcMethodMatchTypes.Exact;
                foreach (var h in m.Headers ?? []) h?.Type ??= ValueMatchTypes.Exact;
            }
            HTTPRouteRules.DefaultRuleParts(rule.Filters, rule.BackendRefs, rule.SessionPersistence);
        }
    }

    protected override void Validate(GRPCRoute obj, List<FieldError> errors)
    {
        MetadataRules.ValidateObjectMeta(obj.Metadata, Kind, errors);
        if (obj.Spec is not { } spec)
        {
            errors.Required("spec");
            return;
        }
        HTTPRouteRules.ValidateRouteSpec(spec.ParentRefs, spec.Hostnames, spec.Rules, r => r.Name, r => r.Matches?.Count ?? 0, ValidateRule, errors);
    }

    private static void ValidateRule(GRPCRouteRule rule, string path, List<FieldError> errors)
    {
        var matchesPath = FieldPath.Child(path, "matches");
        GatewayFields.MaxItems(rule.Matches, matchesPath, MaxMatchesPerRule, errors);
        for (var i = 0; i < (rule.Matches?.Count ?? 0); i++)
        {
            ValidateMatch(rule.Matches![i], FieldPath.Index(matchesPath, i), errors);
        }

        HTTPRouteFilterRules.ValidateList(rule.Filters, FieldPath.Child(path, "filters"), errors, HTTPRouteFilterRules.GrpcTypes);

        HTTPRouteRules.ValidateBackendRefs(rule.BackendRefs, FieldPath.Child(path, "backendRefs"), HTTPRouteFilterRules.GrpcTypes, errors);

        if (rule.SessionPersistence is { } sp) SessionPersistenceRules.Validate(sp, FieldPath.Child(path, "sessionPersistence"), errors);
    }

    private static void ValidateMatch(GRPCRouteMatch? m, string path, List<FieldError> errors)
    {
        if (m is null)
        {
            errors.Required(path);
            return;
        }
        if (m.Method is { } method) ValidateMethod(method, FieldPath.Child(path, "method"), errors);

        var headersPath = FieldPath.Child(path, "headers");
        GatewayFields.MaxItems(m.Headers, headersPath, MaxHeaderMatches, errors);
        var headerNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < (m.Headers?.Count ?? 0); i++)
        {
            var hPath = FieldPath.Index(headersPath, i);
            if (m.Headers![i] is not { } h)
            {
                errors.Required(hPath);
                continue;
            }
            HTTPRouteMatchRules.ValidateValueMatch(h.Type, h.Name, h.Value, HTTPRouteMatchRules.MaxHeaderValue, hPath, headerNames, errors);
        }
    }

    private static void ValidateMethod(GRPCMethodMatch m, string path, List<FieldError> errors)
    {
        var type = m.Type ?? GrpcMethodMatchTypes.Exact;
        GatewayFields.OneOf(type, FieldPath.Child(path, "type"), MethodTypes, errors);
        if (string.IsNullOrEmpty(m.Service) && string.IsNullOrEmpty(m.Method))
        {
            errors.Required(path, "one or both of service and method must be set");
        }
        var servicePath = FieldPath.Child(path, "service");
        var methodPath = FieldPath.Child(path, "method");
        GatewayFields.MaxLength(m.Service, servicePath, MaxNameLength, errors);
        GatewayFields.MaxLength(m.Method, methodPath, MaxNameLength, errors);
        if (type != GrpcMethodMatchTypes.Exact) return;
        if (!string.IsNullOrEmpty(m.Service) && !ServiceName().IsMatch(m.Service))
        {
            errors.Invalid(servicePath, m.Service, "must be a gRPC service name: dot-separated identifiers of letters, digits and '_', each starting with a letter or '_' (e.g. helloworld.Greeter)");
        }
        if (!string.IsNullOrEmpty(m.Method) && !MethodName().IsMatch(m.Method))
        {
            errors.Invalid(methodPath, m.Method, "must be a gRPC method name: letters, digits and '_', starting with a letter or '_' (e.g. SayHello)");
        }
    }
}
