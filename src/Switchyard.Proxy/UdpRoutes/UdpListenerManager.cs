using System.Net;
using System.Net.Sockets;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.UdpRoutes;

/// <summary>
/// Listener layer of UDP listeners: one <see cref="UdpRouteProxy"/> per UDP bind address of the snapshot
/// (<see cref="ProxySnapshot.UdpListeners"/>). A new snapshot binds new addresses, closes those no longer listed (their
/// sessions end), and ends the sessions of the others whose endpoint left the route serving the port; the rest keep
/// their socket and endpoint, and new clients get the route of the new snapshot.
/// </summary>
internal sealed class UdpListenerManager(ProxyRuntime runtime) : IAsyncDisposable
{
    private readonly Dictionary<IPEndPoint, UdpRouteProxy> _proxies = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Configured bind address → actually bound address (differs when the port was 0).</summary>
    public IReadOnlyDictionary<IPEndPoint, IPEndPoint> Bound
    {
        get
        {
            lock (_proxies) return _proxies.ToDictionary(p => p.Key, p => p.Value.Bound);
        }
    }

    /// <summary>The proxy serving configured address <paramref name="bind"/>; null when none does.</summary>
    public UdpRouteProxy? At(IPEndPoint bind)
    {
        lock (_proxies) return _proxies.GetValueOrDefault(bind);
    }

    /// <summary>
    /// Binds and closes what <paramref name="snapshot"/>, already published, asks for; returns one message per address
    /// that could not be bound.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(ProxySnapshot snapshot, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (bind, proxy) in _proxies.ToList())
            {
                if (snapshot.UdpListeners.ContainsKey(bind)) continue;
                lock (_proxies) _proxies.Remove(bind);
                await proxy.DisposeAsync().ConfigureAwait(false);
            }
            foreach (var (bind, listener) in snapshot.UdpListeners)
            {
                if (_proxies.ContainsKey(bind)) continue;
                try
                {
                    var started = UdpRouteProxy.Start(runtime, bind);
                    lock (_proxies) _proxies[bind] = started;
                }
                catch (SocketException e)
                {
                    errors.Add($"{listener.Name}: cannot listen on UDP {bind}: {e.Message}");
                }
            }
            foreach (var proxy in _proxies.Values) proxy.Retain(snapshot);
        }
        finally
        {
            _gate.Release();
        }
        return errors;
    }

    public async ValueTask DisposeAsync()
    {
        List<UdpRouteProxy> all;
        lock (_proxies)
        {
            all = [.. _proxies.Values];
            _proxies.Clear();
        }
        foreach (var p in all) await p.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
