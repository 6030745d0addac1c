using System.Net;
using Switchyard.Proxy.ClientIp;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Resilience;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Config;

/// <summary>Everything one compile produces: the snapshot, the statuses to write back, warnings, and the live endpoints.</summary>
internal sealed record CompileResult(
    ProxySnapshot Snapshot, IReadOnlyList<GatewayStatusUpdate> GatewayStatuses, IReadOnlyList<RouteStatusUpdate> RouteStatuses,
    IReadOnlyList<string> Warnings, IReadOnlySet<EndpointKey> LiveEndpoints)
{
    /// <summary>Endpoints to health-check actively and how (from Service annotations).</summary>
    public IReadOnlyDictionary<EndpointState, HealthCheckPolicy> HealthChecks { get; init; } = new Dictionary<EndpointState, HealthCheckPolicy>();

    /// <summary>Statuses of the GatewayClasses naming this controller, to write back.</summary>
    public IReadOnlyList<GatewayClassStatusUpdate> ClassStatuses { get; init; } = [];

    /// <summary>ListenerSet statuses to write back.</summary>
    public IReadOnlyList<ListenerSetStatusUpdate> ListenerSetStatuses { get; init; } = [];

    /// <summary>BackendTLSPolicy statuses to write back.</summary>
    public IReadOnlyList<PolicyStatusUpdate> PolicyStatuses { get; init; } = [];

    /// <summary>The Ingresses of this controller's classes: their status.loadBalancer names the ingress addresses (cleared when there are none).</summary>
    public IReadOnlyList<k8s.Models.V1Ingress> OurIngresses { get; init; } = [];

    /// <summary>The other Ingresses (another controller's class): a status naming the ingress addresses is cleared.</summary>
    public IReadOnlyList<k8s.Models.V1Ingress> OtherIngresses { get; init; } = [];

    /// <summary>Gateways no longer served whose status this controller wrote: cleared in the store.</summary>
    public IReadOnlyList<Switchyard.Model.Gateway.Gateway> ReleasedGateways { get; init; } = [];
}

/// <summary>
/// Turns the proxy's inputs into an immutable <see cref="ProxySnapshot"/>: Gateway API listeners, then the Ingress
/// listeners. <paramref name="jwks"/> starts the fetchers of remote key sets (none: providers with remoteJWKS fail closed);
/// <paramref name="sessions"/> seals session persistence tokens (none: sessionPersistence is refused in the route status).
/// </summary>
internal sealed class ProxyCompiler(ProxyOptions options, EndpointRegistry registry, IRandomSource random, TimeProvider time, Auth.RemoteJwksFetchers? jwks = null, Sessions.SessionKey? sessions = null)
{
    private readonly KeptState _kept = new(time);
    private readonly Dictionary<string, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>> _lastAccepted = new(StringComparer.Ordinal);
    private Sessions.SessionKey? _secretKey; // the last valid key read from options.SessionKeySecret

    public CompileResult Compile(ProxyInputs inputs, long version)
    {
        var backends = new BackendResolver(inputs, registry, random, _kept);
        var builders = new Dictionary<IPEndPoint, ListenerBuilder>();
        var datagramBuilders = new Dictionary<IPEndPoint, ListenerBuilder>(); // UDP ports: a port space of their own
        ListenerBuilder For(IPEndPoint bind, string name, ListenerKind kind, bool singleLabel, bool proxyProtocol, ClientIpDetection? forwardedFor)
        {
            var byBind = kind == ListenerKind.Udp ? datagramBuilders : builders;
            if (!byBind.TryGetValue(bind, out var b)) byBind[bind] = b = new ListenerBuilder(bind, name, kind, singleLabel, proxyProtocol, forwardedFor);
            return b;
        }
        var (sessionKey, sessionKeyWarning) = SessionKeyOf(inputs);
        var gateway = new GatewayCompiler(inputs, backends, (bind, name, kind, proxyProtocol, forwardedFor) => For(bind, name, kind, singleLabel: false, proxyProtocol, forwardedFor), time.GetUtcNow().UtcDateTime)
        {
            Traffic = new TrafficFilterCompiler(inputs, _kept, time, jwks),
            LastAccepted = _lastAccepted,
            Sessions = sessionKey,
        };
        gateway.Compile();
        var routes = inputs.HttpRoutes.Select(GatewayCompiler.RouteKey).Concat(inputs.GrpcRoutes.Select(GatewayCompiler.RouteKey))
            .Concat(inputs.TlsRoutes.Select(GatewayCompiler.RouteKey)).Concat(inputs.TcpRoutes.Select(GatewayCompiler.RouteKey))
            .Concat(inputs.UdpRoutes.Select(GatewayCompiler.RouteKey)).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _lastAccepted.Keys.Where(k => !routes.Contains(k)).ToList()) _lastAccepted.Remove(key);
        var warnings = new List<string>();
        if (sessionKeyWarning is not null) warnings.Add(sessionKeyWarning);
        warnings.AddRange(GatewayCompiler.MissingParents(inputs));
        warnings.AddRange(gateway.Warnings);
        var ingress = new IngressCompiler(inputs, backends);
        var ingressTrusted = options.IngressClientIpDetection();
        if (options.IngressHttp is { } http) ingress.Compile(For(http, "ingress http", ListenerKind.Http, singleLabel: true, options.IngressProxyProtocol, ingressTrusted));
        if (options.IngressHttps is { } https)
        {
            var listener = For(https, "ingress https", ListenerKind.Https, singleLabel: true, options.IngressProxyProtocol, ingressTrusted);
            ingress.Compile(listener);
            ingress.AddCertificates(listener, time.GetUtcNow().UtcDateTime);
        }
        warnings.AddRange(ingress.Warnings);
        warnings.AddRange(backends.Warnings);
        var snapshot = new ProxySnapshot(builders.Values.Select(b => b.Build()), version, datagramBuilders.Values.Select(b => b.Build()));
        _kept.Sweep();
        return new CompileResult(snapshot, gateway.GatewayStatuses, gateway.RouteStatuses, warnings.Distinct().ToList(), backends.LiveEndpoints)
        {
            HealthChecks = backends.HealthChecks,
            ClassStatuses = gateway.ClassStatuses,
            ListenerSetStatuses = gateway.ListenerSetStatuses,
            ReleasedGateways = gateway.ReleasedGateways,
            OurIngresses = [.. ingress.Served()],
            OtherIngresses = [.. inputs.Ingresses.Except(ingress.Served())],
            PolicyStatuses = backends.TlsPolicies.Statuses(
                inputs.GatewayClasses.Where(c => c.Spec.ControllerName == GatewayCompiler.ControllerName).Select(c => c.Metadata.Name).ToHashSet(StringComparer.Ordinal),
                time.GetUtcNow().UtcDateTime),
        };
    }

    /// <summary>
    /// The key that seals session tokens: from the Secret <see cref="ProxyOptions.SessionKeySecret"/> names, read again at
    /// every compile (a rotation takes effect at once), else the process's own. While the Secret is missing or invalid,
    /// the last key read from it (none yet: the process's own), with the reason: sessions are an affinity, so a bad edit
    /// of the Secret should cost at most stickiness, never traffic.
    /// </summary>
    private (Sessions.SessionKey? Key, string? Warning) SessionKeyOf(ProxyInputs inputs)
    {
        if (options.SessionKeySecret is not { } reference) return (sessions, null);
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        var (ns, name) = (reference[..slash], reference[(slash + 1)..]);
        var secret = inputs.Secrets.FirstOrDefault(s => s.Metadata.Name == name && (s.Metadata.NamespaceProperty ?? "default") == ns);
        string? error = null;
        if (secret is null) error = "not found";
        else if (Sessions.SessionKey.FromSecret(secret, out error) is { } key) return (_secretKey = key, null);
        var fallback = _secretKey is null ? "this process's own key (other replicas' tokens are not trusted)" : "the last key read from it";
        return (_secretKey ?? sessions, $"session key Secret {reference} (--session-key-secret): {error}: sessions are sealed with {fallback}");
    }
}
