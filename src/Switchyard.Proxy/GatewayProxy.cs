using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Auth;
using Switchyard.Proxy.Config;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.ExternalAuth;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Listeners;
using Switchyard.Proxy.LoadBalancing;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Sessions;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.Telemetry;
using Switchyard.Proxy.Transport;
using Switchyard.Proxy.UdpRoutes;
using Switchyard.Store;

namespace Switchyard.Proxy;

/// <summary>
/// The Gateway API and Ingress proxy as one startable component: compiles its inputs (a fixed set of objects for
/// <c>switchyard gateway serve -f</c>, or the store for <c>switchyard up</c>) into snapshots, binds the listeners
/// they name, serves the admin address, and in store mode writes Gateway, ListenerSet and route status back.
/// </summary>
public sealed class GatewayProxy : IAsyncDisposable
{
    private readonly ProxyOptions _options;
    private readonly IResourceStore? _store;
    private readonly IReadOnlyList<IKubernetesObject<V1ObjectMeta>>? _objects;
    private long _objectsVersion = 1; // the snapshot version of the objects served; each reload adds one
    private bool _started, _disposed; // read and written with _applyGate held (or before any apply can run)
    private Lazy<Task>? _disposal; // the one disposal; later calls wait for it
    private readonly ProxyRuntime _runtime;
    private readonly ProxyCompiler _compiler;
    private readonly ListenerManager _listeners;
    private readonly UdpListenerManager _udpListeners;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggers;
    private readonly ILogger? _warningLog;
    private StoreProxyFeed? _feed;
    private AdminServer? _admin;
    private AccessLog? _accessLog;
    private readonly ActiveHealthChecker _health;
    private readonly Http2Forwarder _h2c;
    private readonly RemoteJwksFetchers _jwks;

    /// <summary>How long HTTP/2 connections under retired TLS settings (a rotated CA) may go on serving what they carry.</summary>
    private static readonly TimeSpan RetiredTlsGrace = TimeSpan.FromMinutes(10);
    private readonly EventLoopGroup? _loops;

    private GatewayProxy(ProxyOptions options, IResourceStore? store, IReadOnlyList<IKubernetesObject<V1ObjectMeta>>? objects, TimeProvider time, ILoggerFactory? loggers, IUpstreamForwarder? forwarder)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("invalid proxy options:\n  " + string.Join("\n  ", errors), nameof(options));
        _options = options with { };
        _store = store;
        _objects = objects;
        _time = time;
        _loggers = loggers;
        _warningLog = loggers?.CreateLogger<GatewayProxy>();
        _loops = options.Io == ProxyIo.EventLoop ? new EventLoopGroup(Environment.ProcessorCount, (loggers ?? NullLoggerFactory.Instance).CreateLogger<EventLoop>()) : null;
        var registry = new EndpointRegistry(new ConnectionPoolOptions { MaxIdlePerEndpoint = options.MaxIdleConnectionsPerEndpoint, ConnectTimeout = options.ConnectTimeout, Loops = _loops });
        _accessLog = options.AccessLog is null ? null : new AccessLog(options.AccessLog);
        var metrics = new ProxyMetrics();
        _runtime = new ProxyRuntime
        {
            View = new ProxyView(ProxySnapshot.Empty),
            Endpoints = registry,
            Forwarder = forwarder ?? new Http1Forwarder(),
            H2cForwarder = _h2c = new Http2Forwarder(options.ConnectTimeout),
            Mirrors = new MirrorSender(options.ConnectTimeout, metrics),
            ExternalAuthClient = new ExternalAuthClient(options.ConnectTimeout, options.ExternalAuthTimeout, metrics, time),
            Metrics = metrics,
            AccessLog = _accessLog,
            Time = time,
            TraceContext = options.TraceContext,
            ForwardedHeader = options.ForwardedHeader,
            TlsIdleTimeout = options.TlsIdleTimeout,
            UdpIdleTimeout = options.UdpIdleTimeout,
            UdpMaxSessions = options.UdpMaxSessions,
            ProxyProtocolTimeout = options.ProxyProtocolTimeout,
            Loops = _loops,
        };
        _health = new ActiveHealthChecker(time, _runtime.Metrics);
        _jwks = new RemoteJwksFetchers(new RemoteJwksOptions { ConnectTimeout = options.ConnectTimeout, Time = time }, metrics,
            (loggers ?? NullLoggerFactory.Instance).CreateLogger<RemoteJwks>());
        _compiler = new ProxyCompiler(_options, registry, SharedRandomSource.Instance, time, _jwks, SessionKey.Generate());
        _listeners = new ListenerManager(_runtime, loggers);
        _udpListeners = new UdpListenerManager(_runtime);
    }

    /// <summary>Serves exactly these objects; EndpointSlices are used as given.</summary>
    public static GatewayProxy FromObjects(ProxyOptions options, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, TimeProvider? time = null, ILoggerFactory? loggers = null) =>
        new(options, null, [.. objects], time ?? TimeProvider.System, loggers, null);

    /// <summary>Serves the store's Gateways, HTTPRoutes and Ingresses, following every change and writing status back.</summary>
    public static GatewayProxy FromStore(ProxyOptions options, IResourceStore store, TimeProvider? time = null, ILoggerFactory? loggers = null) =>
        new(options, store, null, time ?? TimeProvider.System, loggers, null);

    internal static GatewayProxy FromObjects(ProxyOptions options, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, IUpstreamForwarder forwarder) =>
        new(options, null, [.. objects], TimeProvider.System, null, forwarder);

    internal ProxyRuntime Runtime => _runtime;

    /// <summary>The fetchers of remote key sets (for tests).</summary>
    internal RemoteJwksFetchers Jwks => _jwks;

    /// <summary>
    /// Warnings of the last compile (bad annotations, unresolved Ingress backends, listeners that could not bind, a session
    /// key Secret missing); with a logger factory, each is also logged when it first appears.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>Statuses the last compile computed (also written to the store in store mode).</summary>
    public IReadOnlyList<(IKubernetesObject<V1ObjectMeta> Object, object Status)> Statuses { get; private set; } = [];

    /// <summary>Configured bind address → bound address (they differ when a port was 0).</summary>
    public IReadOnlyDictionary<IPEndPoint, IPEndPoint> Listeners => _listeners.Bound;

    /// <summary>The listener addresses the last change could not bind, with why (in use, or reserved).</summary>
    public IReadOnlyDictionary<IPEndPoint, string> UnboundListeners => _listeners.Unbound;

    /// <summary>Configured UDP bind address → bound address (they differ when a port was 0).</summary>
    public IReadOnlyDictionary<IPEndPoint, IPEndPoint> UdpListeners => _udpListeners.Bound;

    /// <summary>The UDP proxy at configured address <paramref name="bind"/> (for tests).</summary>
    internal UdpRouteProxy? UdpProxy(IPEndPoint bind) => _udpListeners.At(bind);

    /// <summary>"http", "https" or "tls" (<see cref="ListenerConfig.Scheme"/>) for the listener at configured address <paramref name="bind"/>.</summary>
    public string Scheme(IPEndPoint bind) => _runtime.View.Current.Listeners.TryGetValue(bind, out var l) ? l.Scheme : "http";

    public Uri? AdminUrl => _admin?.Url;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Admin is { } admin) _admin = await AdminServer.StartAsync(admin, _runtime, cancellationToken).ConfigureAwait(false);
        if (_store is not null)
        {
            _feed = new StoreProxyFeed(_store, (objects, revision) => ApplyAsync(objects, revision, CancellationToken.None), _time, _loggers?.CreateLogger<StoreProxyFeed>());
            await _feed.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        else await ApplyAsync(_objects!, _objectsVersion, cancellationToken).ConfigureAwait(false);
        _started = true;
    }

    /// <summary>
    /// A gateway serving objects (<see cref="FromObjects(ProxyOptions, IEnumerable{IKubernetesObject{V1ObjectMeta}}, TimeProvider?, ILoggerFactory?)"/>)
    /// serves <paramref name="objects"/> from now on, as a gateway following a store takes a change: listeners bound and
    /// released as the Gateways say, endpoints that left drained, requests in flight finished where they started.
    /// </summary>
    /// <exception cref="InvalidOperationException">The gateway follows a store, or has not started, or was disposed.</exception>
    public async Task ReloadAsync(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, CancellationToken cancellationToken)
    {
        if (_store is not null) throw new InvalidOperationException("a gateway following a store takes its changes from the store");
        IReadOnlyList<IKubernetesObject<V1ObjectMeta>> list = [.. objects];
        await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_started) throw new InvalidOperationException("the gateway reloads once it has started");
            ObjectDisposedException.ThrowIf(_disposed, this);
            await ApplyLockedAsync(list, ++_objectsVersion, cancellationToken).ConfigureAwait(false); // versions in the order applied
        }
        finally
        {
            _applyGate.Release();
        }
    }

    /// <summary>Compiles, binds, publishes, drains endpoints that left, and (store mode) writes changed statuses; nothing once disposed.</summary>
    internal async Task ApplyAsync(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, long version, CancellationToken cancellationToken)
    {
        await _applyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_disposed) await ApplyLockedAsync(objects, version, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applyGate.Release();
        }
    }

    /// <summary><see cref="ApplyAsync"/> with <see cref="_applyGate"/> held.</summary>
    private async Task ApplyLockedAsync(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, long version, CancellationToken cancellationToken)
    {
        var result = _compiler.Compile(ProxyInputs.From(objects), version);
        var bindErrors = await _listeners.ReconcileAsync(result.Snapshot, cancellationToken, _options.ReservedAddresses).ConfigureAwait(false);
        MarkUnbound(result, _listeners.Unbound, _runtime.Time.GetUtcNow().UtcDateTime);
        _runtime.View.Publish(result.Snapshot);
        // After publishing: new clients of a port get the new route, and sessions whose endpoint left it end.
        var udpBindErrors = await _udpListeners.ReconcileAsync(result.Snapshot, cancellationToken).ConfigureAwait(false);
        _runtime.Endpoints.Retain(result.LiveEndpoints);
        var liveTls = result.LiveEndpoints.Select(e => e.Tls).OfType<string>().ToHashSet(StringComparer.Ordinal);
        _h2c.Retain(liveTls, RetiredTlsGrace, _runtime.Time);
        _runtime.ExternalAuthClient.Retain(result.LiveEndpoints, liveTls, RetiredTlsGrace);
        _health.Reconcile(result.HealthChecks);
        IReadOnlyList<string> warnings = [.. result.Warnings, .. bindErrors, .. udpBindErrors];
        // Each warning is logged when it appears, not again at every change while it lasts.
        if (_warningLog is { } log)
        {
            foreach (var warning in warnings.Except(Warnings, StringComparer.Ordinal)) log.LogWarning("gateway: {Warning}", warning);
        }
        Warnings = warnings;
        Statuses = [.. result.ClassStatuses.Select(s => ((IKubernetesObject<V1ObjectMeta>)s.Class, (object)s.Status)),
            .. result.GatewayStatuses.Select(s => ((IKubernetesObject<V1ObjectMeta>)s.Gateway, (object)s.Status)),
            .. result.ListenerSetStatuses.Select(s => ((IKubernetesObject<V1ObjectMeta>)s.Set, (object)s.Status)),
            .. result.RouteStatuses.Select(s => (s.Route, s.Status)),
            .. result.PolicyStatuses.Select(s => ((IKubernetesObject<V1ObjectMeta>)s.Policy, (object)s.Status))];
        if (_store is not null) await WriteStatusesAsync(result, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A Gateway listener whose address could not be bound (in use, or reserved for up's own servers) serves nothing:
    /// its conditions say so (Gateway API's <c>Accepted=False/PortUnavailable</c>), not Programmed, and the Gateway is
    /// Programmed only while one of its listeners is.
    /// </summary>
    private static void MarkUnbound(CompileResult result, IReadOnlyDictionary<IPEndPoint, string> unbound, DateTime now)
    {
        if (unbound.Count == 0) return;
        foreach (var (gateway, status) in result.GatewayStatuses)
        {
            if (status.Addresses?.FirstOrDefault()?.Value is not { } text || !IPAddress.TryParse(text, out var address)) continue;
            var gen = gateway.Metadata.Generation;
            foreach (var listener in status.Listeners ?? [])
            {
                var spec = gateway.Spec.Listeners?.FirstOrDefault(l => l.Name == listener.Name);
                if (spec is null || !unbound.TryGetValue(new IPEndPoint(address, spec.Port), out var why)) continue;
                var previous = gateway.Status?.Listeners?.FirstOrDefault(l => l.Name == listener.Name)?.Conditions;
                listener.Conditions ??= [];
                Replace(listener.Conditions, Conditions.Make("Accepted", false, "PortUnavailable", why, gen, previous, now));
                Replace(listener.Conditions, Conditions.Make("Programmed", false, "Invalid", why, gen, previous, now));
            }
            if (status.Listeners?.All(l => l.Conditions?.Any(c => c.Type == "Programmed" && c.Status == "False") == true) == true)
                Replace(status.Conditions ??= [], Conditions.Make("Programmed", false, "Invalid", "no listener can serve", gen, gateway.Status?.Conditions, now));
        }

        static void Replace(IList<V1Condition> conditions, V1Condition condition)
        {
            for (var i = 0; i < conditions.Count; i++)
            {
                if (conditions[i].Type != condition.Type) continue;
                conditions[i] = condition;
                return;
            }
            conditions.Add(condition);
        }
    }

    private async Task WriteStatusesAsync(CompileResult result, CancellationToken cancellationToken)
    {
        foreach (var (gatewayClass, status) in result.ClassStatuses)
        {
            if (gatewayClass.Status is { } current && Conditions.Same(current.Conditions, status.Conditions)) continue;
            var copy = Model.Resources.ResourceJson.Clone(gatewayClass);
            copy.Status = status;
            await _store!.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (gateway, status) in result.GatewayStatuses)
        {
            if (SameGatewayStatus(gateway.Status, status)) continue;
            var copy = Model.Resources.ResourceJson.Clone(gateway);
            copy.Status = status;
            await _store!.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        var balancer = IngressLoadBalancer();
        if (balancer is null)
        {
            // No ingress address is served (up started without --ingress-http/--ingress-https): no Ingress has one.
            foreach (var ingress in result.OurIngresses)
            {
                if (ingress.Status?.LoadBalancer?.Ingress is not { Count: > 0 }) continue;
                var copy = Model.Resources.ResourceJson.Clone(ingress);
                copy.Status = null;
                await _store!.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            foreach (var ingress in result.OurIngresses)
            {
                if (SameIngressStatus(ingress.Status?.LoadBalancer, balancer)) continue;
                var copy = Model.Resources.ResourceJson.Clone(ingress);
                copy.Status = new V1IngressStatus { LoadBalancer = balancer };
                await _store!.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
            }
            // An Ingress no longer served (its class moved to another controller) keeps no address of ours.
            foreach (var ingress in result.OtherIngresses)
            {
                if (!SameIngressStatus(ingress.Status?.LoadBalancer, balancer)) continue;
                var copy = Model.Resources.ResourceJson.Clone(ingress);
                copy.Status = null;
                await _store!.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var released in result.ReleasedGateways)
        {
            var copy = Model.Resources.ResourceJson.Clone(released);
            copy.Status = null;
            await _store!.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        foreach (var update in result.ListenerSetStatuses)
        {
            if (update.Unchanged()) continue;
            await _store!.UpdateAsync(update.WithStatus(), cancellationToken).ConfigureAwait(false);
        }
        foreach (var update in result.RouteStatuses)
        {
            if (SameRouteStatus(update.Current, update.Parents)) continue;
            await _store!.UpdateAsync(update.WithStatus(), cancellationToken).ConfigureAwait(false);
        }
        foreach (var update in result.PolicyStatuses)
        {
            if (update.Unchanged()) continue;
            await _store!.UpdateAsync(update.WithStatus(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An Ingress's status.loadBalancer: the addresses and ports the ingress listeners are bound to (one entry per
    /// address), as tools such as external-dns and Argo CD's health checks read it; null when none is bound.
    /// </summary>
    private V1IngressLoadBalancerStatus? IngressLoadBalancer()
    {
        // A wildcard bind (0.0.0.0, ::) names no address a client could use: left out rather than published.
        var bound = new[] { _options.IngressHttp, _options.IngressHttps }.OfType<IPEndPoint>()
            .Select(bind => Listeners.TryGetValue(bind, out var actual) ? actual : null).OfType<IPEndPoint>()
            .Where(b => !b.Address.Equals(IPAddress.Any) && !b.Address.Equals(IPAddress.IPv6Any)).ToList();
        if (bound.Count == 0) return null;
        return new V1IngressLoadBalancerStatus
        {
            Ingress = [.. bound.GroupBy(b => b.Address).Select(g => new V1IngressLoadBalancerIngress
            {
                Ip = g.Key.ToString(),
                Ports = [.. g.Select(b => new V1IngressPortStatus { Port = b.Port, Protocol = "TCP" })],
            })],
        };
    }

    private static bool SameIngressStatus(V1IngressLoadBalancerStatus? a, V1IngressLoadBalancerStatus b) =>
        a?.Ingress is { } current && current.Count == b.Ingress.Count
        && current.Zip(b.Ingress).All(p => p.First.Ip == p.Second.Ip
            && (p.First.Ports ?? []).Select(x => x.Port).SequenceEqual(p.Second.Ports.Select(x => x.Port)));

    private static bool SameGatewayStatus(GatewayStatus? a, GatewayStatus b)
    {
        if (a is null || !Conditions.Same(a.Conditions, b.Conditions)) return false;
        if ((a.Listeners?.Count ?? 0) != (b.Listeners?.Count ?? 0)) return false;
        for (var i = 0; i < b.Listeners!.Count; i++)
        {
            var x = a.Listeners![i];
            var y = b.Listeners[i];
            if (x.Name != y.Name || x.AttachedRoutes != y.AttachedRoutes || !Conditions.Same(x.Conditions, y.Conditions)) return false;
        }
        if (a.AttachedListenerSets != b.AttachedListenerSets) return false;
        return string.Join(",", a.Addresses?.Select(x => x.Value) ?? []) == string.Join(",", b.Addresses?.Select(x => x.Value) ?? []);
    }

    private static bool SameRouteStatus(IList<RouteParentStatus>? a, IList<RouteParentStatus> b)
    {
        if (a is null || a.Count != b.Count) return false;
        for (var i = 0; i < b.Count; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x.ControllerName != y.ControllerName || x.ParentRef.Name != y.ParentRef.Name || x.ParentRef.Kind != y.ParentRef.Kind || x.ParentRef.SectionName != y.ParentRef.SectionName
                || !Conditions.Same(x.Conditions, y.Conditions)) return false;
        }
        return true;
    }

    /// <summary>Stops everything, once: a second call (an <c>await using</c> after an explicit stop) waits for the first.</summary>
    public ValueTask DisposeAsync()
    {
        var disposal = new Lazy<Task>(DisposeOnceAsync);
        return new ValueTask((Interlocked.CompareExchange(ref _disposal, disposal, null) ?? disposal).Value);
    }

    private async Task DisposeOnceAsync()
    {
        Exception? feedFailure = null; // the store watch failing to stop must not leave the listeners open
        try
        {
            if (_feed is not null) await _feed.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            feedFailure = e;
        }
        await _applyGate.WaitAsync().ConfigureAwait(false); // an apply in progress finishes; none starts after
        _disposed = true;
        _applyGate.Release();
        await _listeners.DisposeAsync().ConfigureAwait(false);
        await _udpListeners.DisposeAsync().ConfigureAwait(false);
        await _health.DisposeAsync().ConfigureAwait(false);
        _runtime.Endpoints.DrainAll();
        _h2c.Dispose();
        _runtime.Mirrors.Dispose();
        _runtime.ExternalAuthClient.Dispose();
        _jwks.Dispose();
        if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
        if (_accessLog is not null) await _accessLog.DisposeAsync().ConfigureAwait(false);
        _loops?.Dispose(); // last: closing the listeners and the drained connections above was posted to the loops
        // _applyGate is not disposed: a reload waiting for it is let in, finds the gateway disposed, and is refused.
        if (feedFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(feedFailure);
    }
}
