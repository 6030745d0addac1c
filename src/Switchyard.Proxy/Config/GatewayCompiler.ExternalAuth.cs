using Switchyard.Model.Gateway;
using Switchyard.Model.Validation.Gateway;
using Switchyard.Proxy.ExternalAuth;

namespace Switchyard.Proxy.Config;

/// <summary>HTTPRoute ExternalAuth filters (Gateway API HTTPExternalAuthFilter, Experimental channel v1.4).</summary>
internal sealed partial class GatewayCompiler
{
    /// <summary>
    /// An ExternalAuth filter of rule <paramref name="ri"/>, checked again with the model's rules (an object read
    /// without validation must not half work). Null, with an error that makes the route Accepted=False/UnsupportedValue,
    /// when it is invalid or (HTTP) names a header that can not be copied onto a request. GRPC sends the headers named
    /// in grpc.allowedHeaders, or all of them when it names none. Its service resolves
    /// like a backendRef: a missing Service or a reference no ReferenceGrant allows is reported in ResolvedRefs and
    /// gives a filter whose requests are refused (500), never let through.
    /// </summary>
    private ExternalAuthFilter? CompileExternalAuth(string ns, HTTPExternalAuthFilter filter, int ri, int fi, List<string> errors, List<(string Reason, string Message)> refErrors, GatewayClientCertificate? client)
    {
        var problems = HTTPExternalAuthFilterRules.Validate(filter, $"spec.rules[{ri}].filters[{fi}].externalAuth");
        if (problems.Count > 0)
        {
            errors.Add($"rule {ri}: ExternalAuth: {string.Join("; ", problems)}");
            return null;
        }
        var r = filter.BackendRef!;
        if (filter.Protocol == GatewayApi.ExternalAuthProtocols.GRPC)
        {
            // Only the headers named, or all of them when none are (the specification's GRPCAuthConfig).
            var sent = filter.Grpc!.AllowedHeaders ?? [];
            return new ExternalAuthFilter
            {
                Backend = ResolveRef(HttpRouteKind, ns, r.Group, r.Kind, r.Name, r.Namespace, r.Port, 1, "externalAuth backendRef", refErrors, client),
                Protocol = ExternalAuthProtocol.Grpc,
                SendsAllHeaders = sent.Count == 0,
                AllowedRequestHeaders = [.. sent],
                MaxBody = filter.ForwardBody?.MaxSize ?? 0,
            };
        }
        var http = filter.Http!;
        var uncopyable = (http.AllowedResponseHeaders ?? []).Where(n => ExternalAuthFilter.NotCopyable.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        foreach (var name in uncopyable)
            errors.Add($"rule {ri}: ExternalAuth: allowedResponseHeaders: {name} can not be copied onto the request to the backend (it frames the request or names its host)");
        if (uncopyable.Count > 0) return null;
        var backend = ResolveRef(HttpRouteKind, ns, r.Group, r.Kind, r.Name, r.Namespace, r.Port, 1, "externalAuth backendRef", refErrors, client);
        return new ExternalAuthFilter
        {
            Backend = backend,
            PathPrefix = ExternalAuthFilter.NormalizePrefix(http.Path),
            // Authorization is always sent; named again it would be sent twice.
            AllowedRequestHeaders = [.. (http.AllowedHeaders ?? []).Where(n => !n.Equals("Authorization", StringComparison.OrdinalIgnoreCase))],
            AllowedResponseHeaders = http.AllowedResponseHeaders is { Count: > 0 } named ? [.. named] : null,
            MaxBody = filter.ForwardBody?.MaxSize ?? 0,
        };
    }
}
