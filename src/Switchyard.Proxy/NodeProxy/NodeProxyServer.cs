using System.Net;
using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Model.Resources;
using Switchyard.Store;
using Switchyard.Store.Watching;

namespace Switchyard.Proxy.NodeProxy;

/// <summary>
/// The node proxy for local mode, kube-proxy's userspace mode without root: it mirrors Services and
/// EndpointSlices from the store, and for every TCP port of every cluster IP inside 127.0.0.0/8 it
/// listens on that address (on Linux the whole range is loopback and binds without privileges) and
/// forwards each connection to a ready endpoint. Every change rebuilds the <see cref="ServiceTable"/>
/// and reconciles listeners: new ports are bound, vanished ones closed, the rest re-targeted in place.
/// A port that cannot be bound is reported and retried, never fatal.
/// </summary>
public sealed class NodeProxyServer : IAsyncDisposable
{
    private readonly IResourceStore _store;
    private readonly NodeProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<ListenKey, ServiceListener> _listeners = [];
    private readonly Dictionary<ListenKey, string> _failed = [];
    private readonly Lock _stateLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Informer _services;
    private readonly Informer _slices;
    private Task _running = Task.CompletedTask;

    public NodeProxyServer(IResourceStore store, NodeProxyOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _store = store;
        _options = (options ?? new NodeProxyOptions()) with { };
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<NodeProxyServer>();
        _slots = new SemaphoreSlim(_options.MaxConnections, _options.MaxConnections);
        _services = new Informer(ResourceKinds.Service, null, (_, _) => MarkDirty(), _time, _logger);
        _slices = new Informer(ResourceKinds.EndpointSlice, null, (_, _) => MarkDirty(), _time, _logger);
    }

    /// <summary>The addresses listened on now, with the service each serves.</summary>
    public IReadOnlyDictionary<ListenKey, ServicePortTarget> Listening
    {
        get
        {
            lock (_stateLock) return _listeners.ToDictionary(p => p.Key, p => p.Value.Target);
        }
    }

    /// <summary>Addresses that could not be bound, and why (retried every <see cref="NodeProxyOptions.RebindInterval"/>).</summary>
    public IReadOnlyDictionary<ListenKey, string> Failed
    {
        get
        {
            lock (_stateLock) return new Dictionary<ListenKey, string>(_failed);
        }
    }

    /// <summary>Starts watching and serving; returns once both kinds have been listed and the first reconcile ran.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var token = _stop.Token;
        var mirrors = new[] { _services.RunAsync(_store, token), _slices.RunAsync(_store, token) };
        await Task.WhenAll(_services.Synced, _slices.Synced).WaitAsync(cancellationToken);
        await ReconcileAsync();
        var loop = ReconcileLoopAsync(token);
        var rebind = RebindLoopAsync(token);
        _running = Task.WhenAll([.. mirrors, loop, rebind]);
    }

    private void MarkDirty() => _dirty.Writer.TryWrite(true);

    private async Task ReconcileLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _dirty.Reader.WaitToReadAsync(cancellationToken))
            {
                _dirty.Reader.TryRead(out _);
                await ReconcileAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RebindLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_options.RebindInterval, _time, cancellationToken);
                bool any;
                lock (_stateLock) any = _failed.Count > 0;
                if (any) MarkDirty();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReconcileAsync()
    {
        var table = ServiceTable.Build(_services.ListAll().OfType<V1Service>(), _slices.ListAll().OfType<V1EndpointSlice>());
        var closing = new List<ServiceListener>();
        lock (_stateLock)
        {
            foreach (var (key, listener) in _listeners.ToList())
            {
                if (table.ContainsKey(key)) continue;
                _listeners.Remove(key);
                closing.Add(listener);
            }
            foreach (var key in _failed.Keys.Where(k => !table.ContainsKey(k)).ToList()) _failed.Remove(key);
            foreach (var (key, target) in table)
            {
                if (_listeners.TryGetValue(key, out var existing))
                {
                    existing.Update(target);
                    continue;
                }
                if (_options.LoopbackOnly && !IPAddress.IsLoopback(key.Address))
                {
                    if (_failed.TryAdd(key, "not a loopback address (LoopbackOnly)"))
                    {
                        _logger.LogInformation("service {Service}: cluster IP {Listen} is not loopback; not proxied", target.Describe, key);
                    }
                    continue;
                }
                try
                {
                    _listeners[key] = ServiceListener.Start(key, target, _options, _slots, _time, _logger);
                    _failed.Remove(key);
                    _logger.LogInformation("service {Service}: listening on {Listen} ({Count} endpoints)", target.Describe, key, target.Endpoints.Count);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    if (!_failed.TryGetValue(key, out var before) || before != e.Message)
                    {
                        _logger.LogWarning("service {Service}: cannot listen on {Listen}: {Error}; retrying", target.Describe, key, e.Message);
                    }
                    _failed[key] = e.Message;
                }
            }
        }
        foreach (var listener in closing)
        {
            _logger.LogInformation("service {Service}: closed {Listen}", listener.Target.Describe, listener.Key);
            await listener.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.ContinueWith(_ => { }, TaskScheduler.Default);
        List<ServiceListener> all;
        lock (_stateLock)
        {
            all = [.. _listeners.Values];
            _listeners.Clear();
        }
        foreach (var listener in all) await listener.DisposeAsync();
        _stop.Dispose();
    }
}
