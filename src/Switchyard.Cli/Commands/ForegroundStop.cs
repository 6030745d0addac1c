using System.Runtime.InteropServices;

namespace Switchyard.Cli.Commands;

/// <summary>
/// How every foreground command (up, dns serve, gateway serve, demo-app) ends: Ctrl-C, SIGTERM or the
/// caller's token cancel <see cref="Token"/>; <see cref="WaitAsync"/> returns then, without throwing.
/// </summary>
internal sealed class ForegroundStop : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration? _sigint;
    private readonly PosixSignalRegistration? _sigterm;

    public ForegroundStop(CliEnvironment env, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (env.HandleSignals)
        {
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
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
        _stop.Dispose();
    }

    private void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;
        _stop.Cancel();
    }
}
