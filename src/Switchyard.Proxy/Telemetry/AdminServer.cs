using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Telemetry;

/// <summary>The admin address: <c>/metrics</c> (Prometheus text), <c>/ready</c>, and <c>/config</c> (listeners of the current snapshot).</summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<AdminServer> StartAsync(IPEndPoint listen, ProxyMetrics metrics, ProxyView view, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/ready", () => Results.Text("ready\n"));
        app.MapGet("/config", () => Results.Text(string.Join("\n", view.Current.Listeners.Values.Select(l => $"{l.Bind} {(l.Https ? "https" : "http")} {l.Name}")) + "\n"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new AdminServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
