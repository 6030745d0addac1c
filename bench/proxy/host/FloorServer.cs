using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Switchyard.Proxy.Endpoints;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Listeners;
using Switchyard.Proxy.Transport;

namespace ProxyBenchHost;

/// <summary>
/// The "floor" of bench/proxy: Kestrel configured like the gateway's listeners, answering every request itself with the
/// upstream's fixed 200. It does no routing and no forwarding, so its CPU per request is what Kestrel's HTTP/1.1 server
/// side costs in this runtime: a lower bound for any Kestrel-based proxy. On the gateway's own event loop (the
/// "floor-loop" rows: <see cref="LoopTransportFactory"/> under Kestrel, and the upstream pool on the same loop) it is
/// what the shipped gateway's transport, Kestrel and the forwarder cost without routing, filters and telemetry.
/// </summary>
internal sealed class FloorServer : IHttpApplication<HttpContext>, IAsyncDisposable
{
    private static readonly byte[] Body = "hello from upstream\n"u8.ToArray();
    private readonly KestrelServer _server;
    private readonly EndpointState? _upstream;
    private readonly Http1Forwarder _forwarder = new();
    private readonly EventLoopGroup? _loops;
    private readonly System.Buffers.MemoryPool<byte>? _memory;

    /// <param name="bind">Where to listen.</param>
    /// <param name="upstream">With an upstream, every request goes there through the forwarder alone, with no routing, filters or
    /// telemetry (the "floor-forward" row: the gateway's own pipeline is what it costs beyond this).</param>
    /// <param name="loop">Kestrel and the upstream pool on one event loop of the gateway's transport, as `gateway serve` runs them.</param>
    public FloorServer(IPEndPoint bind, IPEndPoint? upstream = null, bool loop = false)
    {
        var options = new KestrelServerOptions { AddServerHeader = false };
        options.Listen(bind);
        IConnectionListenerFactory transport;
        if (loop)
        {
            _loops = new EventLoopGroup(1, NullLogger.Instance);
            var services = KestrelServices.Create(NullLoggerFactory.Instance);
            options.ApplicationServices = services;
            _memory = services.GetRequiredService<IMemoryPoolFactory<byte>>().Create(new MemoryPoolOptions { Owner = "floor-loop" });
            transport = new LoopTransportFactory(_loops, _memory, NullLogger.Instance);
        }
        else transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions { UnsafePreferInlineScheduling = true }), NullLoggerFactory.Instance);
        if (upstream is not null) _upstream = new EndpointState(upstream, new ConnectionPool(upstream, new ConnectionPoolOptions { Loops = _loops }));
        _server = new KestrelServer(Options.Create(options), transport, NullLoggerFactory.Instance);
    }

    public Task StartAsync() => _server.StartAsync(this, CancellationToken.None);

    public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

    public Task ProcessRequestAsync(HttpContext context)
    {
        if (_upstream is not null) return _forwarder.ForwardAsync(context, _upstream, new ForwardPlan(null, UpstreamMessage.HasBody(context), null, null), context.RequestAborted).AsTask();
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = Body.Length;
        return context.Response.Body.WriteAsync(Body).AsTask();
    }

    public void DisposeContext(HttpContext context, Exception? exception)
    {
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        _server.Dispose();
        _memory?.Dispose();
        _loops?.Dispose();
    }
}
