using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchyard.Store;

namespace Switchyard.Control.Controllers;

/// <summary>
/// Runs a set of controllers side by side until cancelled. A controller that throws or returns
/// early is logged and restarted after an exponential back-off (reset once a run has stayed up for
/// <see cref="ControllerHostOptions.HealthyAfter"/>); one failing controller never stops the others.
/// </summary>
public sealed class ControllerHost
{
    private readonly IReadOnlyList<IController> _controllers;
    private readonly ControllerHostOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ControllerHost(IEnumerable<IController> controllers, ControllerHostOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _controllers = [.. controllers];
        _options = options ?? new ControllerHostOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ControllerHost>();
    }

    public IReadOnlyList<IController> Controllers => _controllers;

    /// <summary>Runs every controller until <paramref name="cancellationToken"/> fires; completes when all have stopped.</summary>
    public Task RunAsync(IResourceStore store, CancellationToken cancellationToken) =>
        Task.WhenAll(_controllers.Select(c => Task.Run(() => SuperviseAsync(c, store, cancellationToken), CancellationToken.None)));

    /// <summary>This host as a background loop, the shape the control-plane server accepts.</summary>
    public Func<IResourceStore, CancellationToken, Task> AsBackgroundLoop() => RunAsync;

    /// <summary>This host as an <see cref="IHostedService"/> bound to one store.</summary>
    public IHostedService AsHostedService(IResourceStore store) => new ControllerHostedService(this, store);

    private async Task SuperviseAsync(IController controller, IResourceStore store, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            try
            {
                _logger.LogDebug("controller {Controller} starting", controller.Name);
                await controller.RunAsync(store, cancellationToken);
                if (cancellationToken.IsCancellationRequested) return;
                _logger.LogError("controller {Controller} stopped without being asked to; restarting", controller.Name);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "controller {Controller} failed; restarting", controller.Name);
            }
            failures = _time.GetElapsedTime(started) >= _options.HealthyAfter ? 1 : failures + 1;
            var delay = Backoff(failures);
            try
            {
                await Task.Delay(delay, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.InitialBackoff.Ticks * factor, _options.MaxBackoff.Ticks));
        return delay;
    }
}
