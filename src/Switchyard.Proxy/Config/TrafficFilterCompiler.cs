using Switchyard.Model.Gateway;
using Switchyard.Model.Resources;
using Switchyard.Model.Validation;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.Resilience;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Turns an HTTPRoute rule's ExtensionRef to an HTTPTrafficFilter (same namespace) into its <see cref="RuleTraffic"/>.
/// The filter is defaulted and validated like the API server does; a missing or invalid filter, or one whose key set
/// or htpasswd Secret cannot be read, fails closed: the rule answers 500 naming it. Rate-limit buckets are kept
/// across compiles per rule and filter settings; authentication is compiled once per filter and compile.
/// </summary>
internal sealed class TrafficFilterCompiler(ProxyInputs inputs, KeptState kept, TimeProvider time, RemoteJwksFetchers? fetchers = null)
{
    private readonly AuthCompiler _auth = new(inputs, kept, time, fetchers);
    private readonly Dictionary<(string Ns, string Name), (RuleAuth? Auth, List<string> Problems)> _authByFilter = [];

    public static bool Handles(LocalObjectReference? r) => r is not null && r.Group == HTTPTrafficFilter.Group && r.Kind == HTTPTrafficFilter.KindName;

    public RuleTraffic Compile(string ns, string name, string ruleName)
    {
        var source = $"httptrafficfilter {ns}/{name}";
        var found = inputs.TrafficFilters.FirstOrDefault(f => (f.Metadata.NamespaceProperty ?? "default") == ns && f.Metadata.Name == name);
        if (found is null) return new RuleTraffic { Source = source, Error = $"{source} not found" };
        var filter = ResourceJson.Clone(found);
        ResourceValidation.ApplyDefaults(filter);
        var errors = ResourceValidation.Validate(filter);
        if (errors.Count > 0) return new RuleTraffic { Source = source, Error = $"{source} is invalid: {string.Join("; ", errors)}" };
        var spec = filter.Spec;
        RuleAuth? auth = null;
        if (spec.Jwt is not null || spec.BasicAuth is not null || spec.Authorization is not null)
        {
            if (!_authByFilter.TryGetValue((ns, name), out var compiled)) _authByFilter[(ns, name)] = compiled = _auth.Compile(ns, spec);
            if (compiled.Problems.Count > 0) return new RuleTraffic { Source = source, Error = $"{source}: {string.Join("; ", compiled.Problems)}" };
            auth = compiled.Auth;
        }
        LocalRateLimit? limit = null;
        if (spec.RateLimit is { Requests: { } requests, Burst: { } burst, Unit: { } unit } r)
        {
            var retryAfter = r.RetryAfter ?? true;
            limit = kept.GetOrAdd(("rate-limit", ruleName, source, requests, unit, burst, retryAfter),
                () => new LocalRateLimit(requests, HTTPLocalRateLimit.UnitLength(unit)!.Value, burst, retryAfter, unit));
        }
        return new RuleTraffic
        {
            Source = source,
            Auth = auth,
            RateLimit = limit,
            Delay = spec.Fault?.Delay is { Duration: { } d } delay ? new FaultDelay(GatewayDuration.TryParse(d, out var t) ? t : TimeSpan.Zero, delay.Percentage ?? 100) : null,
            Abort = spec.Fault?.Abort is { Status: { } status } abort ? new FaultAbort(status, abort.Percentage ?? 100) : null,
        };
    }
}
