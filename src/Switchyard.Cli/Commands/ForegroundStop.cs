using System.Runtime.InteropServices;

namespace Switchyard.Cli.Commands;

/// <summary>
/// How every foreground command (up, dns serve, gateway serve, demo-app) ends: Ctrl-C, SIGTERM or the
/// caller's token cancel <see cref="Token"/>; <see cref="WaitAsync"/> returns then, without throwing. With
/// <c>stopOnHangup</c>, SIGHUP (the terminal closed) stops it the same way, gracefully, instead of the runtime's default
/// of ending the process at once (which would leave <c>up</c>'s pods running); <c>gateway serve</c> reloads on SIGHUP instead.
/// </summary>
internal sealed class ForegroundStop : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration? _sigint;
    private readonly PosixSignalRegistration? _sigterm;
    private readonly PosixSignalRegistration? _sighup;

    public ForegroundStop(CliEnvironment env, CancellationToken cancellationToken, bool stopOnHangup = false)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (env.HandleSignals)
        {
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            if (stopOnHangup) _sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
        }
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>Waits until a signal or the caller's token says stop.</summary>
    public async Task WaitAsync()
    {
        try
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _sigint?.Dispose();
        _sigterm?.Dispose();
        _sighup?.Dispose();
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;
        _stop.Cancel();
    }
}
