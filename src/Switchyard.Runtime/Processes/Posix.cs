using System.Runtime.InteropServices;

namespace Switchyard.Runtime.Processes;

/// <summary>The few POSIX calls .NET does not expose: signals to a process group.</summary>
internal static partial class Posix
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> to every process of the group led by <paramref name="groupId"/>; false when none is left.</summary>
    public static bool SignalGroup(int groupId, int signal) => groupId > 1 && KillNative(-groupId, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to one process; false when it does not exist.</summary>
    public static bool Signal(int pid, int signal) => pid > 1 && KillNative(pid, signal) == 0;

    /// <summary>Whether any process of the group is left (signal 0 probes without delivering).</summary>
    public static bool GroupExists(int groupId) => groupId > 1 && KillNative(-groupId, 0) == 0;

    /// <summary>
    /// The start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), which together
    /// with the pid identifies a process across pid reuse; null when it does not exist.
    /// </summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close < 0) return null;
            var fields = stat[(close + 2)..].Split(' ');
            // fields[0] is field 3 (state); field 22 is starttime.
            return fields.Length > 19 && long.TryParse(fields[19], out var t) ? t : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
