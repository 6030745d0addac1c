using System.Net;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Resilience;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Resolves a Service port to a backend: the Service's EndpointSlices (label kubernetes.io/service-name), the slice
/// port named like the Service port, and the addresses of endpoints that are ready (unset counts as ready) and not
/// terminating. One backend per (service, port) per compile, so routes share balancer state; a port under a
/// BackendTLSPolicy has one more per Gateway client certificate, with its own endpoints (pools).
/// </summary>
internal sealed class BackendResolver
{
    private readonly Dictionary<(string Ns, string Name), V1Service> _services = [];
    private readonly Dictionary<(string Ns, string Name), List<V1EndpointSlice>> _slices = [];
    private readonly Dictionary<(string Ns, string Name, string Port, string? Client, string Protocol), Backend> _built = [];
    private readonly EndpointRegistry _registry;
    private readonly IRandomSource _random;

    private readonly KeptState _kept;
    private readonly BackendTlsPolicies _tls;

    public BackendResolver(ProxyInputs inputs, EndpointRegistry registry, IRandomSource random, KeptState kept)
    {
        _registry = registry;
        _random = random;
        _kept = kept;
        _tls = new BackendTlsPolicies(inputs);
        foreach (var s in inputs.Services) _services[(s.Metadata.NamespaceProperty ?? "default", s.Metadata.Name)] = s;
        foreach (var slice in inputs.EndpointSlices)
        {
            if (slice.Metadata.Labels?.TryGetValue("kubernetes.io/service-name", out var svc) != true || svc is null) continue;
            var key = (slice.Metadata.NamespaceProperty ?? "default", svc);
            if (!_slices.TryGetValue(key, out var list)) _slices[key] = list = [];
            list.Add(slice);
        }
    }

    public List<string> Warnings { get; } = [];

    /// <summary>The compile's BackendTLSPolicies, for their status.</summary>
    public BackendTlsPolicies TlsPolicies => _tls;

    public HashSet<EndpointKey> LiveEndpoints { get; } = [];

    /// <summary>Endpoints to check actively, with the policy of the first backend that asked (others are warned about).</summary>
    public Dictionary<EndpointState, HealthCheckPolicy> HealthChecks { get; } = new(ReferenceEqualityComparer.Instance);

    public bool ServiceExists(string ns, string name) => _services.ContainsKey((ns, name));

    /// <summary>
    /// A backend for a Service port given by number or by name; a backend with <see cref="Backend.Error"/> when it cannot
    /// be resolved. <paramref name="client"/>: the client certificate of the Gateway the request comes through, which
    /// only a port under a BackendTLSPolicy uses (a cleartext port yields the same backend for every Gateway).
    /// <paramref name="protocol"/>: the port's protocol the route speaks (UDP for a UDPRoute), preferred when a Service has
    /// the same port number for two protocols (DNS's 53 for TCP and UDP).
    /// </summary>
    public Backend Resolve(string ns, string name, string port, int weight, GatewayClientCertificate? client = null, string protocol = "TCP")
    {
        var identity = client is not null && UnderTls(ns, name, port, protocol) ? client.Identity : null;
        return Cached((ns, name, port, identity, protocol), weight, () => Build(ns, name, port, weight, identity is null ? null : client, protocol));
    }

    /// <summary>Whether the Service port is reached over TLS (a usable BackendTLSPolicy applies to it).</summary>
    private bool UnderTls(string ns, string name, string port, string protocol) =>
        _services.TryGetValue((ns, name), out var service) && FindPort(service, port, protocol) is { } servicePort && _tls.For(ns, name, servicePort, out _).Tls is not null;

    private Backend Cached((string, string, string, string?, string) key, int weight, Func<Backend> build)
    {
        if (!_built.TryGetValue(key, out var backend)) _built[key] = backend = build();
        return weight == backend.Weight ? backend : backend.With(weight);
    }

    private Backend Build(string ns, string name, string port, int weight, GatewayClientCertificate? client, string protocol)
    {
        var display = $"{ns}/{name}:{port}";
        if (!_services.TryGetValue((ns, name), out var service))
            return Broken(display, $"service {ns}/{name} not found", weight);
        if (FindPort(service, port, protocol) is not { } servicePort)
            return Broken(display, $"service {ns}/{name} has no port {port}", weight);
        var (tls, tlsError) = _tls.For(ns, name, servicePort, out _);
        if (tlsError is not null) return Broken(display, tlsError, weight);
        if (tls is not null && client is not null)
        {
            // Fail closed: a Gateway whose client certificate cannot be read must not reach a TLS backend without it.
            if (client.Certificate is null) return Broken(display, $"gateway {client.Gateway}: tls.backend.clientCertificateRef: {client.Error}", weight);
            tls = tls.WithClientCertificate(client.Certificate, client.Identity);
        }
        // The PROXY protocol is how bytes go on the wire, not a tuning knob: a bad value fails closed (500 naming it).
        var proxyProtocol = ProxyProtocolAnnotations.Version(service.Metadata?.Annotations);
        if (proxyProtocol < 0)
        {
            var error = $"service {ns}/{name}: {ProxyProtocolAnnotations.PathOf(ProxyProtocolAnnotations.Service)}: '{service.Metadata!.Annotations![ProxyProtocolAnnotations.Service]}' is not one of {string.Join(", ", ProxyProtocolAnnotations.ServiceValues)}";
            Warnings.Add(error);
            return Broken(display, error, weight);
        }
        var settings = LbAnnotations.Read(service, Warnings);
        // Endpoint state is the Service port's own (its number, whichever way the backendRef named it): the health
        // checks and outlier settings of one Service never take an address out of another Service's rotation.
        var owner = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ns}/{name}:{servicePort.Port}")
            + (string.Equals(servicePort.Protocol ?? "TCP", "TCP", StringComparison.OrdinalIgnoreCase) ? "" : "/" + servicePort.Protocol);
        var endpoints = Endpoints(owner, ns, name, servicePort, tls, (ProxyProtocolVersion)proxyProtocol);
        if (settings.HealthCheck is { } check)
        {
            foreach (var e in endpoints) HealthChecks.TryAdd(e, check); // one Service port, one policy: a second backendRef to it asks the same
        }
        return new Backend
        {
            Name = display,
            Endpoints = endpoints,
            Balancer = LbAnnotations.Create(settings, endpoints, _random),
            Outlier = settings.Outlier,
            Protocol = UpstreamProtocols.FromAppProtocol(servicePort.AppProtocol),
            Breaker = settings.Limits is { } limits ? Breaker(display, limits) : null,
            Weight = weight,
            IdleTimeout = settings.IdleTimeout,
        };
    }

    private CircuitBreaker Breaker(string backend, CircuitBreakerLimits limits) =>
        _kept.GetOrAdd(("circuit-breaker", backend, limits), () => new CircuitBreaker(limits));

    public static Backend Broken(string name, string error, int weight) =>
        new() { Name = name, Endpoints = [], Balancer = new RoundRobinBalancer(), Weight = weight, Error = error };

    /// <summary>The Service port of that number or name, one of <paramref name="protocol"/> (TCP when unset) first.</summary>
    private static V1ServicePort? FindPort(V1Service service, string port, string protocol)
    {
        V1ServicePort? other = null;
        foreach (var p in service.Spec?.Ports ?? [])
        {
            if (p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) != port && (p.Name is not { Length: > 0 } || p.Name != port)) continue;
            if (string.Equals(p.Protocol ?? "TCP", protocol, StringComparison.OrdinalIgnoreCase)) return p;
            other ??= p;
        }
        return other;
    }

    private EndpointState[] Endpoints(string backend, string ns, string name, V1ServicePort servicePort, UpstreamTls? tls, ProxyProtocolVersion proxyProtocol)
    {
        var result = new List<EndpointState>();
        var seen = new HashSet<IPEndPoint>();
        foreach (var slice in _slices.GetValueOrDefault((ns, name)) ?? [])
        {
            int? target = null;
            foreach (var p in slice.Ports ?? [])
            {
                if ((p.Name ?? "") == (servicePort.Name ?? "") && p.Port is { } number) target = number;
            }
            if (target is null && (slice.Ports is null || slice.Ports.Count == 0) && servicePort.TargetPort?.Value is { } tp && int.TryParse(tp, out var numeric)) target = numeric;
            if (target is null) continue;
            foreach (var e in slice.Endpoints ?? [])
            {
                if (e.Conditions?.Ready == false || e.Conditions?.Terminating == true) continue;
                foreach (var address in e.Addresses ?? [])
                {
                    if (!IPAddress.TryParse(address, out var ip)) continue;
                    var ep = new IPEndPoint(ip, target.Value);
                    if (!seen.Add(ep)) continue;
                    LiveEndpoints.Add(new EndpointKey(backend, ep, tls?.Key, proxyProtocol));
                    result.Add(_registry.GetOrCreate(backend, ep, tls, proxyProtocol));
                }
            }
        }
        return [.. result];
    }
}
