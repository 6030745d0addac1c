using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchyard.Control.Api;
using Switchyard.Control.Apply;
using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Control;

/// <summary>
/// A running control plane: the API server on Kestrel over a store, with the admission chain,
/// the namespaces that always exist (<c>default</c>, <c>kube-system</c>), the admin token, and the
/// background loops and hosted services (controllers) that live and stop with it.
/// The store belongs to the caller: stopping the server does not dispose it.
/// </summary>
public sealed class ControlPlaneServer : IAsyncDisposable
{
    /// <summary>Namespaces created at startup if missing.</summary>
    public static readonly IReadOnlyList<string> SystemNamespaces = ["default", "kube-system"];

    private readonly WebApplication _app;
    private readonly ControlPlaneOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly ILogger _logger;
    private int _stopped;

    private ControlPlaneServer(WebApplication app, ControlPlaneOptions options, string token, string? tokenPath)
    {
        _app = app;
        _options = options;
        Token = token;
        TokenPath = tokenPath;
        ApplyService = app.Services.GetRequiredService<ApplyService>();
        Store = app.Services.GetRequiredService<IResourceStore>();
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Switchyard.ControlPlane");
    }

    /// <summary>The address the API server listens on, with the real port when 0 was asked for.</summary>
    public Uri Url { get; private set; } = null!;

    public string Token { get; }

    /// <summary>Where the token is stored, or null when it lives in memory only.</summary>
    public string? TokenPath { get; }

    /// <summary>The write path, for in-process callers such as <c>switchyard up -f</c>.</summary>
    public ApplyService ApplyService { get; }

    public IResourceStore Store { get; }

    /// <summary>
    /// Builds and starts a control plane; throws <see cref="ArgumentException"/> listing every invalid option. When the API
    /// address cannot be bound or a hosted service fails to start, throws that exception (not logged: the caller reports
    /// it, see <see cref="ControlPlaneLogging"/>) after stopping the hosted services that had started.
    /// </summary>
    public static async Task<ControlPlaneServer> StartAsync(IResourceStore store, ControlPlaneOptions options, CancellationToken cancellationToken = default)
    {
        options = options with { }; // later changes by the caller have no effect
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid control plane options: " + string.Join("; ", problems), nameof(options));

        var tokenPath = options.StateDirectory is { } dir && options.Token is null ? ControlPlaneToken.PathIn(dir) : null;
        var token = options.Token ?? (options.StateDirectory is { } d ? ControlPlaneToken.LoadOrCreate(d) : ControlPlaneToken.Generate());

        var hosted = options.HostedServices.Select(s => new StartTrackingHostedService(s)).ToList();
        var app = Build(store, options, hosted);
        var server = new ControlPlaneServer(app, options, token, tokenPath);
        app.MapSwitchyardApi(token);
        try
        {
            await server.EnsureNamespacesAsync(cancellationToken);
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await server.StopStartedAsync(hosted);
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the server reported no listen address");
        server.Url = new Uri(address);
        foreach (var loop in options.BackgroundLoops) server._loops.Add(server.RunLoopAsync(loop));
        server._logger.LogInformation("API server listening on {Url}", server.Url);
        return server;
    }

    /// <summary>Stops accepting requests, ends open watches, stops background loops and hosted services. Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync();
        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        await _app.StopAsync(linked.Token);
        try
        {
            await Task.WhenAll(_loops).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            _logger.LogWarning("background loops did not stop within {Timeout}", _options.ShutdownTimeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>After a failed start: stops the hosted services that started, newest first, within the shutdown timeout.</summary>
    private async Task StopStartedAsync(List<StartTrackingHostedService> hosted)
    {
        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout, _options.TimeProvider);
        for (var i = hosted.Count - 1; i >= 0; i--)
        {
            if (!hosted[i].Started) continue;
            try
            {
                await hosted[i].StopAsync(timeout.Token);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "stopping {Service} after a failed start", hosted[i].Name);
            }
        }
    }

    private static WebApplication Build(IResourceStore store, ControlPlaneOptions options, List<StartTrackingHostedService> hosted)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "Switchyard.Control" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = RequestBody.MaxBytes;
            k.Listen(options.Listen);
        });
        builder.Services.AddRoutingCore();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        // The embedding program (the CLI) owns Ctrl-C and SIGTERM; the host must not react to them itself.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        // Created by the container, so disposed with it (ControlPlaneLogging disposes only the factory it made itself).
        builder.Services.AddSingleton<ILoggerFactory>(_ => ControlPlaneLogging.For(options));
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(options.TimeProvider);
        builder.Services.AddSingleton(sp => new ApplyService(store, options.AdmissionPlugins, sp.GetRequiredService<ILogger<ApplyService>>(), options.TimeProvider));
        builder.Services.AddSingleton<WatchStreamer>();
        builder.Services.AddSingleton<ResourceHandler>();
        builder.Services.AddSingleton<BatchEndpoints>();
        foreach (var service in hosted) builder.Services.AddSingleton<IHostedService>(service);
        return builder.Build();
    }

    private async Task EnsureNamespacesAsync(CancellationToken cancellationToken)
    {
        foreach (var name in SystemNamespaces)
        {
            if (await Store.GetAsync(new ObjectRef(ResourceKinds.Namespace, null, name), cancellationToken) is not null) continue;
            var ns = new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name } };
            var result = await ApplyService.CreateAsync(ns, ApplyOptions.Default, cancellationToken);
            if (!result.Ok && result.Status != ObjectWriteStatus.AlreadyExists)
            {
                throw new InvalidOperationException($"cannot create namespace {name}: {result.Message ?? string.Join("; ", result.Errors)}");
            }
        }
    }

    private async Task RunLoopAsync(Func<IResourceStore, CancellationToken, Task> loop)
    {
        try
        {
            await Task.Run(() => loop(Store, _stopping.Token));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "background loop failed");
        }
    }

    /// <summary>A host lifetime that leaves process signals to the embedding program.</summary>
    private sealed class EmbeddedHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
