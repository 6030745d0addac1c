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
/// swaps (its <c>..data</c> entries); a directory, recursively; and the parent of each of those directories, which sees
/// the directory itself replaced. After a reload that followed such a replacement (or lost events, or a directory missing before), the
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
    private readonly Action<string> _warn;
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal); // directories already reported as not watched
    private readonly List<string> _recursiveRoots = [];
    private volatile HashSet<string> _knownDirectories = new(StringComparer.Ordinal); // under the -f directories, as last seen

    /// <summary>Whether SIGHUP's disposition is "ignore" (Linux's /proc/self/status SigIgn mask, bit 0); false where it cannot be read.</summary>
    private static bool HangupIgnoredByParent()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                    return ulong.TryParse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, null, out var mask) && (mask & 1) != 0;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }

    /// <summary>True when the manifests came from stdin: nothing reloads.</summary>
    public bool FromStdin { get; }

    /// <param name="paths">The -f paths as given, relative ones to <paramref name="directory"/>.</param>
    /// <param name="hangupIgnored">Told of a SIGHUP that cannot reload (manifests from stdin).</param>
    /// <param name="warn">Told, once per directory, of one that stopped being watched (no inotify watch left, no permission).</param>
    /// <exception cref="IOException">A path could not be watched (the message names it).</exception>
    public ManifestReloads(CliEnvironment env, IReadOnlyList<string> paths, bool watch, string directory, Action hangupIgnored, Action<string> warn)
    {
        _warn = warn;
        FromStdin = paths.Contains("-");
        if (env.HandleSignals)
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true; // a hangup reloads; it does not end the process
                if (FromStdin) hangupIgnored();
                else Request();
            });
            // A process started with SIGHUP ignored (nohup) keeps ignoring it: .NET leaves that disposition alone.
            if (!FromStdin && !watch && HangupIgnoredByParent())
                warn("SIGHUP is ignored in this process (started under nohup?), so it cannot reload the manifests: start it with setsid instead, or use --watch");
        }
        if (!watch || FromStdin) return;
        foreach (var path in paths.Select(p => Path.GetFullPath(p, directory)).Distinct(StringComparer.Ordinal))
        {
            if (Directory.Exists(path))
            {
                // A directory under it deleted or moved away is named without an extension, and no longer exists: it is
                // known from the last look (an extensionless file, as an editor's probe file, is not).
                _targets.Add((path, true, name => IsManifest(name) || Directory.Exists(name) || _knownDirectories.Contains(name), false));
                _recursiveRoots.Add(path);
                AddReplacement(path); // the directory itself replaced
            }
            else
            {
                var (parent, file) = (Path.GetDirectoryName(path)!, Path.GetFileName(path));
                _targets.Add((parent, false, name => Path.GetFileName(name) is var n && (n == file || n.StartsWith("..", StringComparison.Ordinal)), false));
                AddReplacement(parent); // the file's directory replaced, or a symbolic link on the way to it pointed elsewhere
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
        LookForDirectories();
    }

    /// <summary>
    /// Watches the parent of <paramref name="directory"/> for the directory's own entry: a directory renamed over it, or
    /// a symbolic link by that name made to point elsewhere, makes the watchers anew (a watch follows the directory it
    /// was made on, not its name).
    /// </summary>
    private void AddReplacement(string directory)
    {
        if (Path.GetDirectoryName(directory) is not { } parent) return; // the root is not replaced
        var self = Path.GetFileName(directory);
        _targets.Add((parent, false, name => Path.GetFileName(name) == self, true));
    }

    /// <summary>Notes the directories under the -f directories now, so that one of them leaving is seen as a change.</summary>
    private void LookForDirectories()
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in _recursiveRoots)
        {
            try
            {
                found.UnionWith(Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone or unreadable now: the reload reports it; what was found before stays known.
                found.UnionWith(_knownDirectories.Where(d => d.StartsWith(root, StringComparison.Ordinal)));
            }
        }
        _knownDirectories = found;
    }

    private static bool IsManifest(string path) => ManifestExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>(Re)makes the watchers, one per directory; a directory that is gone is skipped until a later reload.</summary>
    /// <exception cref="IOException">The first directory that could not be watched; the others are watched all the same.</exception>
    private void Rewatch()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _rewatch = false;
            foreach (var watcher in _watchers) watcher.Dispose();
            _watchers.Clear();
            IOException? failed = null;
            foreach (var group in _targets.GroupBy(t => t.Directory, StringComparer.Ordinal))
            {
                if (!Directory.Exists(group.Key))
                {
                    _rewatch = true;
                    continue;
                }
                try
                {
                    _watchers.Add(Watch(group.Key, [.. group]));
                }
                catch (IOException e)
                {
                    _rewatch = true; // tried again after the next reload
                    failed ??= e;
                }
            }
            if (failed is not null) throw failed;
        }
    }

    /// <summary>A watcher of <paramref name="directory"/> for <paramref name="targets"/>, reporting what concerns them.</summary>
    /// <exception cref="IOException">It could not be made (the message names the directory).</exception>
    private FileSystemWatcher Watch(string directory, List<(string Directory, bool Recursive, Func<string, bool> Relevant, bool Replaces)> targets)
    {
        FileSystemWatcher watcher;
        try
        {
            watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = targets.Any(t => t.Recursive) };
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot watch {directory}: {e.Message}", e);
        }
        watcher.NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size;
        void OnChange(string fullPath)
        {
            // A recursive watcher also reports what is deeper; the others only their own entries.
            var direct = string.Equals(Path.GetDirectoryName(fullPath), directory, StringComparison.Ordinal);
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
        watcher.Error += (_, e) =>
        {
            if (e.GetException() is InternalBufferOverflowException)
            {
                _rewatch = true; // events lost (a full inotify queue): watch again, and read the files again to be sure
                Request();
                return;
            }
            // No watch left (max_user_watches) or no permission, for the directory or one under it: said once;
            // watching it again would fail the same way, and reloading for it would never end.
            bool first;
            lock (_gate) first = _warned.Add(directory);
            if (first) _warn($"--watch: {directory}: {e.GetException().Message}; changes there may go unseen (SIGHUP still reloads)");
        };
        try
        {
            watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            watcher.Dispose();
            throw new IOException($"cannot watch {directory}: {e.Message}", e);
        }
        return watcher;
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
                if (_rewatch)
                {
                    // Before the files are read: a change to a replaced directory made during the read is then seen.
                    try
                    {
                        Rewatch();
                    }
                    catch (IOException e)
                    {
                        _warn($"--watch: {e.Message}; changes there may go unseen (SIGHUP still reloads)");
                    }
                }
                try
                {
                    await reload();
                }
                catch (Exception)
                {
                    // Reported by the reload where it could be; nothing that failed here may end the gateway, nor, once
                    // it is stopping (a reload cut short by the shutdown), the command.
                    if (stop.IsCancellationRequested) return;
                }
                LookForDirectories();
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
