using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Switchyard.Dns.Metrics;

/// <summary>Serves <see cref="DnsMetrics"/> at <c>GET /metrics</c> in the Prometheus text format (Kestrel).</summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app) => _app = app;

    public Uri? Url { get; private set; }

    public static async Task<MetricsEndpoint> StartAsync(IPEndPoint listen, DnsMetrics metrics, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));
        var app = builder.Build();
        app.MapGet("/metrics", c => Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8").ExecuteAsync(c));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var endpoint = new MetricsEndpoint(app);
        var address = app.Urls.FirstOrDefault();
        endpoint.Url = address is null ? null : new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/metrics");
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
