using System.Globalization;
using Switchyard.Runtime.Pods;

namespace Switchyard.Runtime.Logs;

/// <summary>
/// Finds and reads the log files the runtime writes: <c>&lt;pod dir&gt;/&lt;container&gt;/&lt;restartCount&gt;.log</c>,
/// the current run's and the previous one's. Used by <c>switchyard logs</c>, which runs on the same machine.
/// </summary>
public static class PodLogFiles
{
    /// <summary>
    /// The log file of the current run (or, while a container waits to restart, of its latest run), or of the
    /// previous run; null with a message when there is none.
    /// </summary>
    public static (string? Path, string? Error) Find(string stateDirectory, string ns, string pod, string uid, string container, int restartCount, bool previous)
    {
        var directory = Path.Combine(PodDirectories.For(stateDirectory, ns, pod, uid), container);
        if (previous)
        {
            var path = Path.Combine(directory, $"{restartCount - 1}.log");
            return restartCount > 0 && File.Exists(path)
                ? (path, null)
                : (null, $"previous terminated container \"{container}\" in pod \"{pod}\" not found");
        }
        if (!Directory.Exists(directory))
        {
            return (null, $"no logs for container \"{container}\" in pod \"{pod}\" under {PodDirectories.Root(stateDirectory)} (has it started? is this the state directory of the `up` that runs it?)");
        }
        var latest = Latest(directory, restartCount);
        return latest is null ? (null, $"container \"{container}\" in pod \"{pod}\" has not written logs yet") : (latest, null);
    }

    /// <summary>The highest-numbered log file not above <paramref name="atMost"/> (null: any).</summary>
    public static string? Latest(string containerDirectory, int? atMost = null)
    {
        if (!Directory.Exists(containerDirectory)) return null;
        return Directory.EnumerateFiles(containerDirectory, "*.log")
            .Select(f => (File: f, N: int.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1))
            .Where(x => x.N >= 0 && (atMost is null || x.N <= atMost))
            .OrderByDescending(x => x.N)
            .Select(x => x.File)
            .FirstOrDefault();
    }

    /// <summary>The last <paramref name="lines"/> lines of a text (all when negative).</summary>
    public static string Tail(string text, int lines)
    {
        if (lines < 0) return text;
        if (lines == 0) return "";
        var end = text.EndsWith('\n') ? text.Length - 1 : text.Length;
        var start = end;
        for (var seen = 0; start > 0; start--)
        {
            if (text[start - 1] == '\n' && ++seen == lines) break;
        }
        return text[start..];
    }

    /// <summary>
    /// Writes the file from <paramref name="offset"/> on and keeps writing what is appended, moving on to the
    /// next run's file when the container restarts, until cancelled or the container's directory is removed.
    /// </summary>
    public static async Task FollowAsync(string path, long offset, TextWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        var buffer = new byte[16 * 1024];
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!File.Exists(path) && !Directory.Exists(directory)) return;
            try
            {
                await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (stream.Length > offset)
                {
                    stream.Seek(offset, SeekOrigin.Begin);
                    int read;
                    while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        await output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
                        offset += read;
                    }
                    await output.FlushAsync(cancellationToken);
                }
            }
            catch (FileNotFoundException)
            {
            }
            var newer = Latest(directory);
            if (newer is not null && newer != path && Number(newer) > Number(path))
            {
                path = newer;
                offset = 0;
                continue;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static int Number(string path) =>
        int.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
