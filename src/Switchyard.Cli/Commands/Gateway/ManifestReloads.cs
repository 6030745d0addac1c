using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Switchyard.Cli.Commands.Gateway;

/// <summary>
/// When <c>gateway serve</c> reads its manifests again: on SIGHUP (as nginx and HAProxy reload), and with
/// <c>--watch</c> on a change of a manifest (a .yaml, .yml or .json file) under the files and directories given with
/// <c>-f</c>. Changes that come together (an editor writing a temporary file and renaming it, a generator writing a
/// file in pieces, several files saved at once) make one reload: the files are read once a quarter of a second has gone
/// by without another change (at most <see cref="MaxSettle"/> after the first). Manifests read from stdin cannot be read
/// again: with <c>-f -</c> a SIGHUP is reported as such and changes nothing.
/// </summary>
/// <remarks>
/// One watcher per directory (each is an inotify instance, a per-user resource): a file's parent directory, not
/// recursively, which also sees the file replaced by a rename or through a symbolic link that a Kubernetes volume
/// swaps (its <c>..data</c> entries); and a directory, recursively, with its parent, which sees the directory itself
/// replaced. After a reload that followed such a replacement (or lost events, or a directory missing before), the
/// watchers are made again, so the new directory is watched.
/// </remarks>
internal sealed class ManifestReloads : IDisposable
{
    /// <summary>How long no change must come before the files are read.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a stream of changes delays a reload.</summary>
    public static readonly TimeSpan MaxSettle = TimeSpan.FromSeconds(5);

    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];

    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly List<(string Directory, bool Recursive, Func<string, bool> Relevant, bool Replaces)> _targets = [];
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly PosixSignalRegistration? _hangup;
    private readonly Lock _gate = new();
    private bool _disposed;
    private volatile bool _rewatch; // a watched directory was replaced, was missing, or a watcher lost events

    /// <summary>True when the manifests came from stdin: nothing reloads.</summary>
    public bool FromStdin { get; }

    /// <param name="paths">The -f paths as given, relative ones to <paramref name="directory"/>.</param>
    /// <param name="hangupIgnored">Told of a SIGHUP that cannot reload (manifests from stdin).</param>
    /// <exception cref="IOException">A path could not be watched (the message names it).</exception>
    public ManifestReloads(CliEnvironment env, IReadOnlyList<string> paths, bool watch, string directory, Action hangupIgnored)
    {
        FromStdin = paths.Contains("-");
        if (env.HandleSignals)
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true; // a hangup reloads; it does not end the process
                if (FromStdin) hangupIgnored();
                else Request();
            });
        }
        if (!watch || FromStdin) return;
        foreach (var path in paths.Select(p => Path.GetFullPath(p, directory)).Distinct(StringComparer.Ordinal))
        {
            if (Directory.Exists(path))
            {
                _targets.Add((path, true, name => IsManifest(name) || Directory.Exists(name), false));
                var (parent, self) = (Path.GetDirectoryName(path)!, Path.GetFileName(path));
                _targets.Add((parent, false, name => Path.GetFileName(name) == self, true)); // the directory itself replaced
            }
            else
            {
                var (parent, file) = (Path.GetDirectoryName(path)!, Path.GetFileName(path));
                _targets.Add((parent, false, name => Path.GetFileName(name) is var n && (n == file || n.StartsWith("..", StringComparison.Ordinal)), false));
            }
        }
        try
        {
            Rewatch();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static bool IsManifest(string path) => ManifestExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>(Re)makes the watchers, one per directory; a directory that is gone is skipped until a later reload.</summary>
    private void Rewatch()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _rewatch = false;
            foreach (var watcher in _watchers) watcher.Dispose();
            _watchers.Clear();
            foreach (var group in _targets.GroupBy(t => t.Directory, StringComparer.Ordinal))
            {
                if (!Directory.Exists(group.Key))
                {
                    _rewatch = true;
                    continue;
                }
                var targets = group.ToList();
                FileSystemWatcher watcher;
                try
                {
                    watcher = new FileSystemWatcher(group.Key) { IncludeSubdirectories = targets.Any(t => t.Recursive) };
                }
                catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
                {
                    throw new IOException($"cannot watch {group.Key}: {e.Message}", e);
                }
                watcher.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size;
                void OnChange(string fullPath)
                {
                    // A recursive watcher also reports what is deeper; the others only their own entries.
                    var direct = string.Equals(Path.GetDirectoryName(fullPath), group.Key, StringComparison.Ordinal);
                    var relevant = targets.Where(t => (t.Recursive || direct) && t.Relevant(fullPath)).ToList();
                    if (relevant.Count == 0) return;
                    if (relevant.Any(t => t.Replaces)) _rewatch = true;
                    Request();
                }
                watcher.Changed += (_, e) => OnChange(e.FullPath);
                watcher.Created += (_, e) => OnChange(e.FullPath);
                watcher.Deleted += (_, e) => OnChange(e.FullPath);
                watcher.Renamed += (_, e) =>
                {
                    OnChange(e.OldFullPath);
                    OnChange(e.FullPath);
                };
                watcher.Error += (_, _) =>
                {
                    _rewatch = true; // events lost (a full inotify queue): watch again, and read the files again to be sure
                    Request();
                };
                try
                {
                    watcher.EnableRaisingEvents = true;
                }
                catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
                {
                    watcher.Dispose();
                    throw new IOException($"cannot watch {group.Key}: {e.Message}", e);
                }
                _watchers.Add(watcher);
            }
        }
    }

    /// <summary>A reload, when none is waiting already.</summary>
    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>
    /// Runs <paramref name="reload"/> once per settled burst of requests, one at a time, until <paramref name="stop"/>.
    /// A reload that throws does not end the loop: <paramref name="reload"/> reports its own errors.
    /// </summary>
    public async Task RunAsync(Func<Task> reload, CancellationToken stop)
    {
        try
        {
            while (await _requests.Reader.WaitToReadAsync(stop))
            {
                var waited = TimeSpan.Zero;
                do
                {
                    _requests.Reader.TryRead(out _);
                    await Task.Delay(Settle, stop);
                    waited += Settle;
                }
                while (_requests.Reader.TryPeek(out _) && waited < MaxSettle);
                _requests.Reader.TryRead(out _);
                try
                {
                    await reload();
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    // Reported by the reload where it could be; nothing that failed here may end the gateway.
                }
                if (!_rewatch) continue;
                try
                {
                    Rewatch(); // a directory replaced since, or missing before, is watched anew
                }
                catch (IOException)
                {
                    // The watchers made before the one that failed still report, and SIGHUP still reloads.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public void Dispose()
    {
        _hangup?.Dispose();
        lock (_gate)
        {
            _disposed = true;
            foreach (var watcher in _watchers) watcher.Dispose();
            _watchers.Clear();
        }
    }
}
