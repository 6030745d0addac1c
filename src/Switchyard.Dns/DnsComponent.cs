using System.Net;
using k8s;
using k8s.Models;
using Switchyard.Dns.Answer;
using Switchyard.Dns.Forwarding;
using Switchyard.Dns.Metrics;
using Switchyard.Dns.Server;
using Switchyard.Dns.Zone;
using Switchyard.Store;

namespace Switchyard.Dns;

/// <summary>
/// The cluster DNS server as one startable component: a zone view fed either from a fixed set of objects
/// (<c>switchyard dns serve -f</c>) or live from a store (<c>switchyard up</c>), the UDP/TCP server, forwarding,
/// and optionally the metrics endpoint and query log.
/// </summary>
public sealed class DnsComponent : IAsyncDisposable
{
    private readonly DnsOptions _options;
    private readonly TimeProvider _time;
    private readonly ZoneState _state;
    private readonly ZoneView _view;
    private readonly IResourceStore? _store;
    private StoreZoneFeed? _feed;
    private DnsServer? _server;
    private MetricsEndpoint? _metricsEndpoint;
    private QueryLog? _log;

    private DnsComponent(DnsOptions options, IResourceStore? store, TimeProvider time)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("invalid DNS options:\n  " + string.Join("\n  ", errors), nameof(options));
        _options = options with { Upstreams = [.. options.Upstreams] };
        _store = store;
        _time = time;
        _state = new ZoneState(WithNameServerAddress(_options), time);
        _view = new ZoneView(_state.Publish());
        Metrics = new DnsMetrics(time);
    }

    /// <summary>
    /// The zone's options with the listen address as the address of <c>ns.dns.&lt;zone&gt;</c>, the apex NS record's
    /// target (as CoreDNS answers with its own), unless addresses are given or the server listens on every address.
    /// </summary>
    private static ZoneOptions WithNameServerAddress(DnsOptions options)
    {
        var address = options.Listen.Address;
        if (options.Zone.NameServerAddresses.Count > 0 || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return options.Zone;
        return options.Zone with { NameServerAddresses = [address] };
    }

    /// <summary>Serves exactly these objects (Services, EndpointSlices, Pods; other kinds are ignored).</summary>
    public static DnsComponent FromObjects(DnsOptions options, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, TimeProvider? time = null)
    {
        var component = new DnsComponent(options, null, time ?? TimeProvider.System);
        foreach (var o in objects) component._state.Apply(o, deleted: false);
        component._view.Publish(component._state.Publish());
        return component;
    }

    /// <summary>Serves the store's Services, EndpointSlices and Pods, following every change.</summary>
    public static DnsComponent FromStore(DnsOptions options, IResourceStore store, TimeProvider? time = null) =>
        new(options, store, time ?? TimeProvider.System);

    public DnsMetrics Metrics { get; }

    /// <summary>Whether <see cref="StartAsync"/> has bound the sockets.</summary>
    public bool IsStarted => _server is not null;

    /// <summary>The bound UDP/TCP address (after <see cref="StartAsync"/>).</summary>
    public IPEndPoint Endpoint => _server?.Endpoint ?? throw new InvalidOperationException("not started");

    /// <summary>The metrics URL when <see cref="DnsOptions.MetricsListen"/> is set (after <see cref="StartAsync"/>).</summary>
    public Uri? MetricsUrl => _metricsEndpoint?.Url;

    /// <summary>Owner names in the zone now (for status lines).</summary>
    public int ZoneNames => _view.Current.NameCount;

    /// <summary>Serial of the current snapshot; increases with every published change.</summary>
    public uint ZoneSerial => _view.Current.Serial;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_store is not null)
        {
            _feed = new StoreZoneFeed(_store, _state, _view, _time);
            await _feed.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        Forwarder? forwarder = null;
        if (_options.Upstreams.Count > 0)
        {
            var client = new UpstreamClient(_options.Upstreams, _options.UpstreamTimeout, _time);
            forwarder = new Forwarder(client, new ResponseCache(_options.CacheCapacity, _options.MaxCacheTtl, _time));
            Metrics.Forwarding = () => (forwarder.CacheHits, forwarder.CacheMisses, forwarder.UpstreamErrors, forwarder.CacheSize);
        }
        Metrics.Zone = () => (_view.Current.NameCount, _view.Current.Serial);
        var responder = new QueryResponder(_view, _options.MaxUdpPayload, forwarder is not null, _options.Autopath);
        if (_options.QueryLog is not null) _log = new QueryLog(_options.QueryLog, _time);
        _server = new DnsServer(_options, responder, new SlowPathResolver(responder, forwarder), Metrics, _log, _time);
        _server.Start();
        if (_options.MetricsListen is not null)
            _metricsEndpoint = await MetricsEndpoint.StartAsync(_options.MetricsListen, Metrics, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_metricsEndpoint is not null) await _metricsEndpoint.DisposeAsync().ConfigureAwait(false);
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
        if (_feed is not null) await _feed.DisposeAsync().ConfigureAwait(false);
        if (_log is not null) await _log.DisposeAsync().ConfigureAwait(false);
    }
}
