using System.Text.RegularExpressions;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Filters;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Routing;

namespace Switchyard.Proxy.Config;

/// <summary>
/// GRPCRoute rules: a method match becomes a condition on the request path <c>/service/method</c>; header matches,
/// header filters, mirrors and weighted backendRefs compile as HTTPRoute's. Backends (and mirrors) are always reached
/// over HTTP/2 cleartext, whatever the Service port's appProtocol says: gRPC needs HTTP/2 trailers. The proxy's own
/// errors to a gRPC call answer with a grpc-status, whichever route kind carries it (RequestHandler.AnswerCall).
/// </summary>
internal sealed partial class GatewayCompiler
{
    private PreparedRoute PrepareGrpc(GRPCRoute route)
    {
        var client = BaseClient(route);
        var compiled = CompileGrpcRules(route, out var ruleErrors, out var refErrors, client);
        var served = route;
        if (ruleErrors.Count == 0) LastAccepted?[RouteKey(route)] = route;
        else if (LastAccepted?.GetValueOrDefault(RouteKey(route)) is GRPCRoute good)
        {
            served = good;
            compiled = CompileGrpcRules(good, out _, out refErrors, client);
        }
        return new(GrpcRouteKind, route, Parents(route, route.Spec.ParentRefs, served.Spec.ParentRefs, served != route), route.Status?.Parents, served, served.Spec.Hostnames, compiled, ruleErrors, refErrors,
            other => CompileGrpcRules(served, out _, out _, other), client) { ServedParents = served.Spec.ParentRefs };
    }

    private List<(MatchPrecedence, RouteEntry)> CompileGrpcRules(GRPCRoute route, out List<string> errorsOut, out List<(string Reason, string Message)> refErrors, GatewayClientCertificate? client = null)
    {
        var errors = errorsOut = [];
        refErrors = [];
        var ns = route.Metadata.NamespaceProperty ?? "default";
        var owner = $"{ns}/{route.Metadata.Name}";
        var created = route.Metadata.CreationTimestamp ?? DateTime.MinValue;
        var result = new List<(MatchPrecedence, RouteEntry)>();
        var rules = route.Spec.Rules is { Count: > 0 } r ? r : [new GRPCRouteRule()];
        for (var ri = 0; ri < rules.Count; ri++)
        {
            var rule = rules[ri];
            var name = $"grpcroute {owner} rule {rule.Name ?? ri.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            var filters = new List<IRequestFilter>();
            HeaderEdits? responseEdits = null;
            var mirrors = new List<RequestMirror>();
            foreach (var f in rule.Filters ?? [])
            {
                switch (f.Type)
                {
                    case GatewayApi.FilterTypes.RequestHeaderModifier when f.RequestHeaderModifier is { } m:
                        filters.Add(new RequestHeaderFilter(Edits(m, $"rule {ri}: {f.Type}", errors)));
                        break;
                    case GatewayApi.FilterTypes.ResponseHeaderModifier when f.ResponseHeaderModifier is { } m:
                        responseEdits = Edits(m, $"rule {ri}: {f.Type}", errors);
                        break;
                    case GatewayApi.FilterTypes.RequestMirror when f.RequestMirror is { } mirror:
                        mirrors.Add(Mirror(GrpcRouteKind, ns, mirror, ri, errors, refErrors, client, UpstreamProtocol.H2c));
                        break;
                    default:
                        errors.Add($"rule {ri}: filter {FilterName(f.Type, f.ExtensionRef)} is not supported on a GRPCRoute by {ControllerName} (RequestHeaderModifier, ResponseHeaderModifier and RequestMirror are)");
                        break;
                }
            }
            var backendList = new List<Backend>();
            foreach (var b in rule.BackendRefs ?? [])
            {
                var backend = ResolveRef(GrpcRouteKind, ns, b.Group, b.Kind, b.Name, b.Namespace, b.Port, b.Weight ?? 1, "backendRef", refErrors, client);
                if (b.Filters is { Count: > 0 } backendFilters) backend = WithBackendFilters(backend, backendFilters, responseEdits, $"rule {ri}: backendRef {b.Name}", errors);
                backendList.Add(backend.With(protocol: UpstreamProtocol.H2c));
            }
            var compiledRule = new RouteRule
            {
                Name = name,
                RequestFilters = filters,
                ResponseEdits = responseEdits,
                Backends = new BackendGroup(backendList),
                Mirrors = mirrors,
                Session = rule.SessionPersistence is { } sp ? CompileSession(sp, name, ri, backendList, errors) : null,
            };
            var matches = rule.Matches is { Count: > 0 } ms ? ms : [new GRPCRouteMatch()];
            for (var mi = 0; mi < matches.Count; mi++)
            {
                var m = matches[mi];
                var path = GrpcPath(m.Method, out var serviceLength, out var methodLength, out var pathError);
                if (pathError is not null) errors.Add($"rule {ri}: {pathError}");
                var headers = new List<ValueMatcher>();
                var distinct = FirstOfEachName(m.Headers).ToList();
                foreach (var h in distinct)
                {
                    if (h.Type != GatewayApi.ValueMatchTypes.RegularExpression) headers.Add(ValueMatcher.Exact(h.Name, h.Value));
                    else if (ValueMatcher.RegularExpression(h.Name, h.Value, out var e) is { } re) headers.Add(re);
                    else errors.Add($"rule {ri}: {e}");
                }
                if (path is null || headers.Count != distinct.Count) continue;
                var entry = new RouteEntry { Path = path, Headers = [.. headers], Rule = compiledRule };
                var key = new MatchPrecedence(0, serviceLength, false, headers.Count, 0, created, owner, ri, mi) { MethodLength = methodLength };
                result.Add((key, entry));
            }
        }
        return result;
    }

    /// <summary>
    /// The condition on the request path (<c>/service/method</c>) of a GRPCRoute method match, and the characters of
    /// its service and method for precedence. Exact: the service alone matches every method of it (a leading '.', the
    /// fully-qualified protobuf spelling, is dropped), the method alone that method of any service. RegularExpression:
    /// each given part is an anchored .NET pattern over its path segment. Null with <paramref name="error"/> for a bad pattern.
    /// </summary>
    internal static PathMatcher? GrpcPath(GRPCMethodMatch? m, out int serviceLength, out int methodLength, out string? error)
    {
        var service = m?.Service ?? "";
        var method = m?.Method ?? "";
        serviceLength = service.Length;
        methodLength = method.Length;
        error = null;
        if (service.Length == 0 && method.Length == 0) return PathMatcher.Prefix("/");
        if ((m!.Type ?? GatewayApi.GrpcMethodMatchTypes.Exact) == GatewayApi.GrpcMethodMatchTypes.Exact)
        {
            service = service.TrimStart('.');
            if (method.Length == 0) return PathMatcher.Prefix("/" + service);
            if (service.Length > 0) return PathMatcher.Exact($"/{service}/{method}");
            return PathMatcher.RegularExpression("/[^/]+/" + Regex.Escape(method), out error);
        }
        foreach (var (part, pattern) in new[] { ("service", service), ("method", method) })
        {
            if (pattern.Length == 0 || RouteRegex.Check(pattern) is not { } reason) continue;
            error = $"method.{part} regular expression '{pattern}' is invalid: {reason}";
            return null;
        }
        return PathMatcher.RegularExpression(
            $"/(?:{(service.Length > 0 ? service : "[^/]+")})/(?:{(method.Length > 0 ? method : "[^/]+")})", out error);
    }
}
