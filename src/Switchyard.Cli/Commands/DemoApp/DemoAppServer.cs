using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Switchyard.Cli.Commands.DemoApp;

/// <summary>
/// The demo application: a small HTTP service for showing what the network does. Every path but the
/// health ones answers JSON describing the pod and the request, after the configured latency, failing
/// with 500 at the configured rate, and — in upstream mode — after calling each upstream and embedding
/// its answer. /healthz and /readyz answer 200 until switched off with POST /healthz/fail or
/// /readyz/fail (and on again with …/ok), which is how a probe failure is demonstrated.
/// </summary>
internal sealed class DemoAppServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DemoAppOptions _options;
    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly HttpClient _upstream;
    private volatile bool _healthy = true;
    private volatile bool _ready = true;

    private DemoAppServer(WebApplication app, DemoAppOptions options, Random random, TimeProvider time)
    {
        _app = app;
        _options = options;
        _random = random;
        _time = time;
        var resolver = new ClusterDnsResolver(options.Dns, options.SearchDomains, TimeSpan.FromSeconds(2));
        _upstream = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = (context, ct) => ConnectAsync(resolver, context.DnsEndPoint, ct),
            // A new connection per call: the node proxy balances connections, so each call is balanced anew and the
            // round robin the quickstart shows is visible request by request (pooled connections would pin a caller to one pod).
            PooledConnectionLifetime = TimeSpan.Zero,
            UseProxy = false,
        })
        { Timeout = options.UpstreamTimeout };
    }

    /// <summary>The address actually bound (port 0 resolved).</summary>
    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    public static async Task<DemoAppServer> StartAsync(DemoAppOptions options, Random? random = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(options.Listen));
        var app = builder.Build();
        var server = new DemoAppServer(app, options, random ?? Random.Shared, time ?? TimeProvider.System);
        server.Map(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is not null) server.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/healthz", c => Probe(_healthy, "healthz").ExecuteAsync(c));
        app.MapGet("/readyz", c => Probe(_ready, "readyz").ExecuteAsync(c));
        app.MapPost("/healthz/fail", c => Toggle(() => _healthy = false, "healthz: failing").ExecuteAsync(c));
        app.MapPost("/healthz/ok", c => Toggle(() => _healthy = true, "healthz: ok").ExecuteAsync(c));
        app.MapPost("/readyz/fail", c => Toggle(() => _ready = false, "readyz: failing").ExecuteAsync(c));
        app.MapPost("/readyz/ok", c => Toggle(() => _ready = true, "readyz: ok").ExecuteAsync(c));
        app.Map("/{**path}", HandleAsync);
    }

    private static IResult Probe(bool ok, string name) =>
        ok ? Results.Text($"{name}: ok\n") : Results.Text($"{name}: failing\n", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static IResult Toggle(Action change, string message)
    {
        change();
        return Results.Text(message + "\n");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var delay = _options.Latency.Draw(_random);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, _time, ct);
        var body = Describe(context.Request);
        if (_options.ErrorRate > 0 && _random.NextDouble() < _options.ErrorRate)
        {
            body["error"] = $"injected failure (error rate {_options.ErrorRate})";
            await WriteAsync(context, StatusCodes.Status500InternalServerError, body);
            return;
        }
        var status = StatusCodes.Status200OK;
        if (_options.Upstreams.Count > 0)
        {
            var calls = await Task.WhenAll(_options.Upstreams.Select(u => CallAsync(u, ct)));
            body["upstreams"] = new JsonArray([.. calls.Select(c => (JsonNode)c.Node)]);
            if (calls.Any(c => !c.Ok)) status = StatusCodes.Status502BadGateway;
        }
        await WriteAsync(context, status, body);
    }

    private JsonObject Describe(HttpRequest request)
    {
        var headers = new JsonObject();
        foreach (var (name, values) in request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)) headers[name] = values.ToString();
        return new JsonObject
        {
            ["pod"] = _options.Pod,
            ["namespace"] = _options.Namespace,
            ["version"] = _options.Version,
            ["method"] = request.Method,
            ["path"] = request.Path.Value + request.QueryString.Value,
            ["host"] = request.Host.Value,
            ["headers"] = headers,
        };
    }

    private async Task<(bool Ok, JsonObject Node)> CallAsync(Uri url, CancellationToken cancellationToken)
    {
        var node = new JsonObject { ["url"] = url.ToString() };
        try
        {
            using var response = await _upstream.GetAsync(url, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            node["status"] = (int)response.StatusCode;
            try
            {
                node["body"] = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                node["body"] = text;
            }
            return (response.IsSuccessStatusCode, node);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException && !cancellationToken.IsCancellationRequested)
        {
            node["error"] = e is TaskCanceledException { InnerException: TimeoutException } ? $"no answer within {_options.UpstreamTimeout.TotalSeconds:0.#}s" : (e.InnerException?.Message ?? e.Message);
            return (false, node);
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n", context.RequestAborted);
    }

    private static async ValueTask<Stream> ConnectAsync(ClusterDnsResolver resolver, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var addresses = await resolver.ResolveAsync(endpoint.Host, cancellationToken);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
