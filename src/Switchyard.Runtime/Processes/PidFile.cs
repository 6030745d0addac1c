using System.Globalization;

namespace Switchyard.Runtime.Processes;

/// <summary>
/// The record of one running container process, <c>&lt;container dir&gt;/pid</c>: "PID STARTTIME". The
/// process leads its own process group (its pid is the group id), so the record lets a later runtime kill
/// the whole group, even when the runtime that started it died with SIGKILL.
/// </summary>
internal static class PidFile
{
    public const string FileName = "pid";

    public static void Write(string containerDirectory, int pid, long? startTime)
    {
        var path = Path.Combine(containerDirectory, FileName);
        File.WriteAllText(path + ".tmp", string.Create(CultureInfo.InvariantCulture, $"{pid} {startTime ?? 0}\n"));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static void Delete(string containerDirectory)
    {
        try
        {
            File.Delete(Path.Combine(containerDirectory, FileName));
        }
        catch (IOException)
        {
        }
    }

    public static (int Pid, long StartTime)? Read(string path)
    {
        try
        {
            var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var start)
                ? (pid, start)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
