using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Switchyard.Cli.Commands.Gateway;

/// <summary>
/// When <c>gateway serve</c> reads its manifests again: on SIGHUP (as nginx and HAProxy reload), and with
/// <c>--watch</c> on any change under the files and directories given with <c>-f</c>. Changes that come together (an
/// editor writing a temporary file and renaming it, several files saved at once) make one reload, read a quarter of a
/// second after the last of them. Manifests read from stdin cannot be read again: with <c>-f -</c> nothing reloads.
/// </summary>
internal sealed class ManifestReloads : IDisposable
{
    /// <summary>How long a change waits for the ones that come with it.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly PosixSignalRegistration? _hangup;

    /// <param name="paths">The -f paths as given, relative ones to <paramref name="directory"/>.</param>
    public ManifestReloads(CliEnvironment env, IReadOnlyList<string> paths, bool watch, string directory)
    {
        if (paths.Contains("-")) return;
        if (env.HandleSignals) _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
        {
            signal.Cancel = true; // a hangup reloads; it does not end the process
            Request();
        });
        if (!watch) return;
        foreach (var path in paths.Select(p => Path.GetFullPath(p, directory)))
        {
            var watcher = Directory.Exists(path)
                ? new FileSystemWatcher(path) { IncludeSubdirectories = true }
                : new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path));
            watcher.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size;
            watcher.Changed += (_, _) => Request();
            watcher.Created += (_, _) => Request();
            watcher.Deleted += (_, _) => Request();
            watcher.Renamed += (_, _) => Request();
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    /// <summary>A reload, when none is waiting already.</summary>
    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>Runs <paramref name="reload"/> once per settled burst of requests, one at a time, until <paramref name="stop"/>.</summary>
    public async Task RunAsync(Func<Task> reload, CancellationToken stop)
    {
        try
        {
            while (await _requests.Reader.WaitToReadAsync(stop))
            {
                await Task.Delay(Settle, stop);
                while (_requests.Reader.TryRead(out _))
                {
                }
                await reload();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public void Dispose()
    {
        _hangup?.Dispose();
        foreach (var watcher in _watchers) watcher.Dispose();
    }
}
