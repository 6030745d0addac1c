using Microsoft.Extensions.Hosting;

namespace Switchyard.Control;

/// <summary>
/// One of <see cref="ControlPlaneOptions.HostedServices"/> as the host runs it, remembering whether it started. When a later
/// service or Kestrel fails to start, the host throws without stopping the services that already started (a DNS server
/// would keep its port, a runtime its pods); <see cref="ControlPlaneServer.StartAsync"/> then stops those, newest first.
/// A service whose own start failed is not stopped: cleaning up after itself is its job.
/// </summary>
internal sealed class StartTrackingHostedService(IHostedService inner) : IHostedService
{
    private const int NotStarted = 0, Running = 1, Stopped = 2;
    private int _state;

    public bool Started => Volatile.Read(ref _state) == Running;

    /// <summary>The wrapped service's type, for log messages.</summary>
    public string Name => inner.GetType().FullName ?? inner.GetType().Name;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await inner.StartAsync(cancellationToken);
        Interlocked.CompareExchange(ref _state, Running, NotStarted);
    }

    /// <summary>Stops the service once, if it started.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Stopped, Running) != Running) return;
        await inner.StopAsync(cancellationToken);
    }
}
