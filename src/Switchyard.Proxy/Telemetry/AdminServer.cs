using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Switchyard.Proxy.Listeners;
using Switchyard.Proxy.Pipeline;

namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// The admin address: <c>/metrics</c> (Prometheus text), <c>/ready</c>, and <c>/config</c> (listeners of the current
/// snapshot, then endpoints with in-flight requests, ejection and active health); GET or HEAD, anything else 405, other
/// paths 404. A bare Kestrel server, as the listeners are: a web application with routing for three fixed paths
/// cost the process 8 MB of resident memory.
/// </summary>
internal sealed class AdminServer : IAsyncDisposable
{
    private readonly KestrelServer _server;
    private readonly IServiceProvider _services;

    private AdminServer(KestrelServer server, IServiceProvider services, Uri url)
    {
        _server = server;
        _services = services;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<AdminServer> StartAsync(IPEndPoint listen, ProxyRuntime runtime, CancellationToken cancellationToken)
    {
        var loggers = NullLoggerFactory.Instance;
        var services = KestrelServices.Create(loggers);
        var options = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = services };
        options.Listen(listen, l => l.Protocols = HttpProtocols.Http1);
        var server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggers), loggers);
        await server.StartAsync(new Application(runtime), cancellationToken).ConfigureAwait(false);
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var host = listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any) ? "127.0.0.1"
            : listen.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{listen.Address}]" : listen.Address.ToString();
        return new AdminServer(server, services, new Uri($"http://{host}:{port}/"));
    }

    private sealed class Application(ProxyRuntime runtime) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context)
        {
            const string Text = "text/plain; charset=utf-8";
            // As routing matched them: any case, and a trailing slash.
            var (status, body, type) = (context.Request.Path.Value ?? "").TrimEnd('/').ToLowerInvariant() switch
            {
                "/metrics" => (200, (Func<string>)runtime.Metrics.Render, "text/plain; version=0.0.4; charset=utf-8"),
                "/ready" => (200, () => "ready\n", Text),
                "/config" => (200, () => Config(runtime), Text),
                _ => (404, () => "not found: the admin address serves /metrics, /ready and /config\n", Text),
            };
            var method = context.Request.Method;
            var response = context.Response;
            if (status == 200 && !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
            {
                (status, body, type) = (405, () => $"method {method} not allowed: GET or HEAD\n", Text);
                response.Headers.Allow = "GET, HEAD";
            }
            string text;
            try
            {
                text = body();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
            {
                (status, type, text) = (500, Text, $"admin: {e.GetType().Name}: {e.Message}\n");
            }
            response.StatusCode = status;
            response.ContentType = type;
            var bytes = Encoding.UTF8.GetBytes(text);
            response.ContentLength = bytes.Length;
            return HttpMethods.IsHead(method) ? Task.CompletedTask : response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
        }

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }

    /// <summary>One line per listener (UDP ones last), then one per endpoint with its state: "endpoint 10.0.0.5:8080 backend default/web:80 in-flight 2 ejected active-health failing (why)".</summary>
    private static string Config(ProxyRuntime runtime)
    {
        var b = new StringBuilder();
        var snapshot = runtime.View.Current;
        foreach (var l in snapshot.Listeners.Values.Concat(snapshot.UdpListeners.Values)) b.Append(CultureInfo.InvariantCulture, $"{l.Bind} {l.Scheme}{l.Kind switch { Snapshot.ListenerKind.TlsPassthrough => " passthrough", Snapshot.ListenerKind.Mixed => " +tls by server name", _ => "" }} {l.Name}\n");
        var now = runtime.Time.GetTimestamp();
        foreach (var e in runtime.Endpoints.All.OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Backend, StringComparer.Ordinal))
        {
            b.Append(CultureInfo.InvariantCulture, $"endpoint {e.Name} backend {e.Backend} in-flight {e.InFlight}");
            if (e.IsEjected(now)) b.Append(" ejected");
            if (e.FailingActiveChecks) b.Append(CultureInfo.InvariantCulture, $" active-health failing ({e.LastHealthCheckFailure})");
            b.Append('\n');
        }
        return b.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _server.StopAsync(grace.Token).ConfigureAwait(false);
        _server.Dispose();
        (_services as IDisposable)?.Dispose();
    }
}
