using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Globalization;
using System.Text;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// The admin address: <c>/metrics</c> (Prometheus text), <c>/ready</c>, and <c>/config</c> (listeners of the current
/// snapshot, then endpoints with in-flight requests, ejection and active health).
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<AdminServer> StartAsync(IPEndPoint listen, ProxyRuntime runtime, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));
        var app = builder.Build();
        app.MapGet("/metrics", c => Results.Text(runtime.Metrics.Render(), "text/plain; version=0.0.4; charset=utf-8").ExecuteAsync(c));
        app.MapGet("/ready", c => Results.Text("ready\n").ExecuteAsync(c));
        app.MapGet("/config", c => Results.Text(Config(runtime)).ExecuteAsync(c));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        return new AdminServer(app, new Uri(address));
    }

    /// <summary>One line per listener, then one per endpoint with its state: "endpoint 10.0.0.5:8080 in-flight 2 ejected active-health failing (why)".</summary>
    private static string Config(ProxyRuntime runtime)
    {
        var b = new StringBuilder();
        foreach (var l in runtime.View.Current.Listeners.Values) b.Append(CultureInfo.InvariantCulture, $"{l.Bind} {l.Scheme}{l.Kind switch { Snapshot.ListenerKind.TlsPassthrough => " passthrough", Snapshot.ListenerKind.Mixed => " +tls by server name", _ => "" }} {l.Name}\n");
        var now = runtime.Time.GetTimestamp();
        foreach (var e in runtime.Endpoints.All.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            b.Append(CultureInfo.InvariantCulture, $"endpoint {e.Name} in-flight {e.InFlight}");
            if (e.IsEjected(now)) b.Append(" ejected");
            if (e.FailingActiveChecks) b.Append(CultureInfo.InvariantCulture, $" active-health failing ({e.LastHealthCheckFailure})");
            b.Append('\n');
        }
        return b.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
