using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.ProxyProtocol;
using Switchyard.Proxy.Relay;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.TcpRoutes;
using Switchyard.Proxy.TlsRoutes;
using Switchyard.Proxy.Transport;

namespace Switchyard.Proxy.Listeners;

/// <summary>
/// Listener layer: one Kestrel server per bind address in the snapshot. A new snapshot starts servers for new
/// addresses and stops (gracefully) those no longer listed; existing servers keep their sockets and simply see the
/// new snapshot on their next request (or, on TLS listeners, connection). HTTPS listeners pick their certificate, and
/// whether and how they validate client certificates (see <see cref="ClientCertificates"/>), by SNI from the current
/// snapshot; so do TLS listeners in Terminate mode pick theirs. TLS listeners serve connections, not requests:
/// <see cref="TlsRouteProxy"/> takes each one in place of Kestrel's HTTP layer. On a port shared by HTTPS and TLS
/// listeners, <see cref="ServerNameSplit"/> sends each connection one way or the other by its server name. TCP
/// listeners serve connections too: <see cref="TcpRouteProxy"/> takes each one before any byte is read.
/// What a bind address serves (<see cref="ListenerKind"/>, and whether a PROXY protocol header comes first) decides its
/// connection pipeline: when it changes, the server is stopped (open connections get 10 s) and started again.
/// </summary>
internal sealed class ListenerManager(ProxyRuntime runtime, ILoggerFactory? loggerFactory) : IAsyncDisposable
{
    private static readonly List<SslApplicationProtocol> AlpnProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    /// <summary>TLS Terminate: no ALPN protocol is selected. Empty, not null: for null, Kestrel would offer those of <c>ListenOptions.Protocols</c>.</summary>
    private static readonly List<SslApplicationProtocol> NoAlpn = [];

    private readonly Dictionary<IPEndPoint, Running> _servers = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RequestHandler _handler = new(runtime);
    // The connection layers of TLS and TCP listeners; the relay they share (backend, endpoint, bytes) keeps no state.
    private readonly TlsRouteProxy _tlsRoutes = new(runtime, new ConnectionRelay(runtime));
    private readonly TcpRouteProxy _tcpRoutes = new(runtime, new ConnectionRelay(runtime));
    private readonly ILoggerFactory _loggers = new KestrelLoggers(loggerFactory ?? NullLoggerFactory.Instance);
    private ServiceProvider? _services; // Kestrel's services, shared by every server: built at the first start (under the gate)

    /// <summary>A started server; <paramref name="Pool"/> is its transport's memory pool, disposed after the server stops (null: the transport owns it).</summary>
    private sealed record Running(KestrelServer Server, ListenerKind Kind, bool ProxyProtocol, IPEndPoint Bound, MemoryPool<byte>? Pool);

    /// <summary>Configured bind address → actually bound address (differs when the port was 0).</summary>
    public IReadOnlyDictionary<IPEndPoint, IPEndPoint> Bound
    {
        get
        {
            lock (_servers) return _servers.ToDictionary(s => s.Key, s => s.Value.Bound);
        }
    }

    /// <summary>The addresses the last reconcile could not bind, with why (reserved, or the system's error).</summary>
    public IReadOnlyDictionary<IPEndPoint, string> Unbound { get; private set; } = new Dictionary<IPEndPoint, string>();

    /// <summary>Binds what <paramref name="snapshot"/> lists; returns one message per address that could not be bound.</summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(ProxySnapshot snapshot, CancellationToken cancellationToken, IReadOnlyDictionary<IPEndPoint, string>? reserved = null)
    {
        var errors = new List<string>();
        var unbound = new Dictionary<IPEndPoint, string>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (bind, running) in _servers.ToList())
            {
                if (snapshot.Listeners.TryGetValue(bind, out var l) && l.Kind == running.Kind && l.AcceptsProxyProtocol == running.ProxyProtocol) continue;
                lock (_servers) _servers.Remove(bind);
                await StopAsync(running).ConfigureAwait(false);
            }
            foreach (var (bind, listener) in snapshot.Listeners)
            {
                if (_servers.ContainsKey(bind)) continue;
                if (reserved?.GetValueOrDefault(bind) is { } holder)
                {
                    unbound[bind] = $"{bind} is reserved for {holder}";
                    errors.Add($"{listener.Name}: cannot listen on {bind}: it is reserved for {holder}");
                    continue;
                }
                try
                {
                    var started = await StartAsync(bind, listener.Kind, listener.AcceptsProxyProtocol, cancellationToken).ConfigureAwait(false);
                    lock (_servers) _servers[bind] = started;
                }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
                {
                    unbound[bind] = $"cannot listen on {bind}: {e.Message}";
                    errors.Add($"{listener.Name}: cannot listen on {bind}: {e.Message}");
                }
            }
        }
        finally
        {
            _gate.Release();
        }
        Unbound = unbound;
        return errors;
    }

    /// <param name="proxyProtocol">Read a PROXY protocol header first on every connection (before TLS); changing it restarts the server.</param>
    private async Task<Running> StartAsync(IPEndPoint bind, ListenerKind kind, bool proxyProtocol, CancellationToken cancellationToken)
    {
        var https = kind is ListenerKind.Https or ListenerKind.Mixed;
        var services = _services ??= KestrelServices.Create(_loggers);
        var options = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = services };
        options.Limits.MaxRequestBodySize = null;
        // Kestrel's default minimum body rate (240 B/s after 5 s, counted while a read waits) would cut every long-lived
        // upload a proxy carries: gRPC client-streaming and bidi calls that pause between messages, slow uploads; and
        // on HTTP/2 it ends the whole connection. A route's timeouts bound a request instead (docs/components/gateway.md).
        options.Limits.MinRequestBodyDataRate = null;
        options.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1; // upstream obs-text bytes pass through as sent
        options.AllowAlternateSchemes = !https; // h2c prior knowledge: see H2cPriorKnowledge
        options.Listen(bind, listen =>
        {
            listen.Use(next => async connection =>
            {
                runtime.Metrics.ConnectionOpened();
                try
                {
                    await next(connection).ConfigureAwait(false);
                }
                finally
                {
                    runtime.Metrics.ConnectionClosed();
                }
            });
            if (proxyProtocol)
            {
                var reader = new ProxyProtocolListener(() => runtime.View.Current.Listeners.GetValueOrDefault(bind)?.Name ?? bind.ToString(),
                    runtime.ProxyProtocolTimeout, runtime.Time, runtime.Metrics);
                listen.Use(reader.Middleware);
            }
            if (kind is ListenerKind.TlsPassthrough or ListenerKind.TlsTerminate)
            {
                listen.Protocols = HttpProtocols.Http1; // never reached: the TLSRoute proxy ends the connection pipeline
                if (kind == ListenerKind.TlsTerminate)
                {
                    // As for HTTPS, but the bytes after the handshake are the application's own protocol: no ALPN is offered.
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = context => ValueTask.FromResult(
                            ClientCertificates.ServerOptions(runtime.View.Current.Listeners.GetValueOrDefault(bind), context, NoAlpn, runtime.Metrics)),
                    });
                }
                listen.Use(_ => connection => _tlsRoutes.HandleAsync(connection, bind, kind));
            }
            else if (kind == ListenerKind.Tcp)
            {
                listen.Protocols = HttpProtocols.Http1; // never reached: the TCPRoute proxy ends the connection pipeline
                listen.Use(_ => connection => _tcpRoutes.HandleAsync(connection, bind));
            }
            else if (https)
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                // Shared with TLS listeners: Passthrough names leave before the handshake, Terminate names after it (ports
                // of HTTPS listeners only skip both).
                var split = kind == ListenerKind.Mixed ? new ServerNameSplit(runtime, _tlsRoutes, bind) : null;
                if (split is not null) listen.Use(split.Middleware);
                // Per handshake: the certificate SNI selects in the current snapshot, sent with its chain (a context, not a bare
                // certificate), and the client certificate validation for that name, if any; ALPN except for TLS Terminate names.
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = split is null
                        ? context => ValueTask.FromResult(ClientCertificates.ServerOptions(runtime.View.Current.Listeners.GetValueOrDefault(bind), context, AlpnProtocols, runtime.Metrics))
                        : context => ValueTask.FromResult(ClientCertificates.ServerOptions(runtime.View.Current.Listeners.GetValueOrDefault(bind), context,
                            context.Connection.Features.Get<ServerNameChoice>() == ServerNameChoice.TlsTerminate ? NoAlpn : AlpnProtocols, runtime.Metrics)),
                });
                if (split is not null) listen.Use(split.AfterHandshake);
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.Use(H2cPriorKnowledge.Middleware);
            }
        });
        var pool = runtime.Loops is null ? null : MemoryPoolOf(services);
        IConnectionListenerFactory transport = runtime.Loops is { } loops
            ? new LoopTransportFactory(loops, pool!, _loggers.CreateLogger<LoopTransportFactory>())
            : new SocketTransportFactory(Options.Create(new SocketTransportOptions()), _loggers);
        var server = new KestrelServer(Options.Create(options), transport, _loggers);
        try
        {
            await server.StartAsync(new ProxyApplication(bind, runtime, _handler), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            pool?.Dispose();
            throw;
        }
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var bound = address is not null && Uri.TryCreate(address, UriKind.Absolute, out var uri) ? new IPEndPoint(bind.Address, uri.Port) : bind;
        return new Running(server, kind, proxyProtocol, bound, pool);
    }

    /// <summary>Kestrel's own pool of pinned blocks, which its socket transport uses too.</summary>
    private static MemoryPool<byte> MemoryPoolOf(IServiceProvider services) =>
        services.GetService<IMemoryPoolFactory<byte>>()?.Create(new MemoryPoolOptions { Owner = "switchyard-gateway" }) ?? MemoryPool<byte>.Shared;

    private static async Task StopAsync(Running running)
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await running.Server.StopAsync(grace.Token).ConfigureAwait(false);
        running.Server.Dispose();
        running.Pool?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        List<Running> all;
        lock (_servers)
        {
            all = [.. _servers.Values];
            _servers.Clear();
        }
        foreach (var r in all) await StopAsync(r).ConfigureAwait(false);
        if (_services is not null) await _services.DisposeAsync().ConfigureAwait(false);
    }
}
