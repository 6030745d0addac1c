using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>A real Kestrel backend on 127.0.0.1:0 with the given protocols and handler (h2c, gRPC-style, WebSocket tests).</summary>
internal sealed class KestrelBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<KestrelBackend> StartAsync(HttpProtocols protocols, RequestDelegate handler, bool webSockets = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        var app = builder.Build();
        if (webSockets) app.UseWebSockets();
        app.Run(handler);
        await app.StartAsync();
        return new KestrelBackend(app, new Uri(app.Urls.First()).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
