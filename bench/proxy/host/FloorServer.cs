using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ProxyBenchHost;

/// <summary>
/// The "floor" of bench/proxy: Kestrel configured like the gateway's listeners, answering every request itself with the
/// upstream's fixed 200. It does no routing and no forwarding, so its CPU per request is what Kestrel's HTTP/1.1 server
/// side costs in this runtime: a lower bound for any Kestrel-based proxy.
/// </summary>
internal sealed class FloorServer : IHttpApplication<HttpContext>, IAsyncDisposable
{
    private static readonly byte[] Body = "hello from upstream\n"u8.ToArray();
    private readonly KestrelServer _server;

    public FloorServer(IPEndPoint bind)
    {
        var options = new KestrelServerOptions { AddServerHeader = false };
        options.Listen(bind);
        _server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance), NullLoggerFactory.Instance);
    }

    public Task StartAsync() => _server.StartAsync(this, CancellationToken.None);

    public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

    public Task ProcessRequestAsync(HttpContext context)
    {
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
    }
}
