namespace Switchyard.Runtime.Processes;

/// <summary>
/// Finds the executable a container names, before starting it, so that a missing or non-executable
/// program is reported as a clear start error (worded like the OCI runtimes: <c>exec: "x": executable
/// file not found in $PATH</c>) rather than as an exit code from a shell.
/// </summary>
internal static class CommandResolver
{
    public static (string? Path, string? Error) Resolve(string program, string workingDirectory, string? pathVariable)
    {
        if (program.Length == 0) return (null, "exec: \"\": executable file not found in $PATH");
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.IsPathRooted(program) ? program : Path.GetFullPath(Path.Combine(workingDirectory, program));
            if (Directory.Exists(full)) return (null, $"exec: \"{program}\": is a directory");
            if (!File.Exists(full)) return (null, $"exec: \"{program}\": stat {full}: no such file or directory");
            return IsExecutable(full) ? (full, null) : (null, $"exec: \"{program}\": permission denied");
        }
        string? denied = null;
        foreach (var dir in (pathVariable ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (!File.Exists(candidate)) continue;
            if (IsExecutable(candidate)) return (candidate, null);
            denied = candidate;
        }
        return denied is not null
            ? (null, $"exec: \"{program}\": permission denied ({denied})")
            : (null, $"exec: \"{program}\": executable file not found in $PATH");
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) return File.Exists(path);
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        try
        {
            return (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
