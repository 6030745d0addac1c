using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>
/// A real HTTP backend on 127.0.0.1:0 that answers with its name and what it received: x-backend, x-echo-target
/// (request target as sent), x-echo-host, and every request header as x-echo-h-NAME. Modes make it fail.
/// </summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;
    private int _healthChecks;

    private EchoBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }
    public int Port { get; private set; }
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests for <see cref="HealthPath"/> (not counted in <see cref="Requests"/>).</summary>
    public int HealthChecks => Volatile.Read(ref _healthChecks);

    /// <summary>The path answered with <see cref="HealthStatus"/> instead of echoing. Default /healthz.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>Status for <see cref="HealthPath"/> (default 200).</summary>
    public int HealthStatus { get; set; } = 200;

    /// <summary>Status to answer with (default 200).</summary>
    public int Status { get; set; } = 200;

    /// <summary>When true, requests hang until the client goes away.</summary>
    public bool Stall { get; set; }

    /// <summary>Requests wait for this task before answering (default: completed, no wait).</summary>
    public Task Gate { get; set; } = Task.CompletedTask;

    public static async Task<EchoBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MinRequestBodyDataRate = null; // bodies that pause (tests of the proxy's own limits) reach the proxy's side whole
        });
        var app = builder.Build();
        var backend = new EchoBackend(name, app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Port = new Uri(app.Urls.First()).Port;
        return backend;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == HealthPath)
        {
            Interlocked.Increment(ref _healthChecks);
            context.Response.StatusCode = HealthStatus;
            return;
        }
        Interlocked.Increment(ref _requests);
        if (Stall)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        await Gate.WaitAsync(context.RequestAborted);
        var response = context.Response;
        response.StatusCode = Status;
        response.Headers["x-backend"] = Name;
        response.Headers["x-echo-target"] = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        response.Headers["x-echo-host"] = context.Request.Headers.Host.ToString();
        foreach (var (key, value) in context.Request.Headers) response.Headers["x-echo-h-" + key.ToLowerInvariant()] = value.ToString();
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        await response.WriteAsync($"{Name} {body}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
