using Microsoft.Extensions.Logging;

namespace Switchyard.Runtime.Processes;

/// <summary>
/// Kills the process groups that an earlier runtime recorded in pid files and that still run (the runtime
/// was killed with SIGKILL, or crashed). A recorded pid is only trusted while /proc shows the same start
/// time; if the leader is gone, the group id cannot have been reused while members of the group live,
/// so signalling the group reaches only leftovers.
/// </summary>
internal static class LeftoverReaper
{
    /// <summary>Kills every recorded group under <paramref name="podsDirectory"/>; returns how many groups were signalled.</summary>
    public static int ReapAll(string podsDirectory, ILogger logger)
    {
        if (!Directory.Exists(podsDirectory)) return 0;
        var killed = 0;
        foreach (var file in Directory.EnumerateFiles(podsDirectory, PidFile.FileName, SearchOption.AllDirectories))
        {
            if (Reap(file, logger)) killed++;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
        }
        return killed;
    }

    private static bool Reap(string pidFile, ILogger logger)
    {
        if (PidFile.Read(pidFile) is not { } record) return false;
        var current = Posix.StartTime(record.Pid);
        if (current is { } start && start != record.StartTime && record.StartTime != 0) return false; // pid reused by another process
        if (!Posix.GroupExists(record.Pid)) return false;
        logger.LogWarning("killing leftover process group {Pid} recorded in {File} (an earlier runtime did not stop it)", record.Pid, pidFile);
        Posix.SignalGroup(record.Pid, Posix.SIGKILL);
        return true;
    }
}
