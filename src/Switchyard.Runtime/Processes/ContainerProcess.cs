using System.Diagnostics;
using System.ComponentModel;

namespace Switchyard.Runtime.Processes;

/// <summary>What to start: the resolved program, its arguments, environment, directory and log file.</summary>
internal sealed record ProcessSpec(string Program, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory, string LogFile);

/// <summary>
/// One container process. It is started through <c>setsid</c>, so it leads a new session and process group
/// whose id is its pid, and through <c>sh -c 'exec ...'</c>, which points stdout and stderr at the log file
/// and then replaces itself with the program (the pid stays the program's). Signals go to the whole group,
/// so children the program forks are stopped with it.
/// </summary>
internal sealed class ContainerProcess : IDisposable
{
    private const string Wrapper = "exec >>\"$1\" 2>&1 </dev/null; shift; exec \"$@\"";
    private static readonly string? SetsidPath = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly Process _process;

    private ContainerProcess(Process process, long? startTime)
    {
        _process = process;
        Pid = process.Id;
        StartTime = startTime;
        Exited = WaitAsync();
    }

    public int Pid { get; }

    /// <summary>The /proc start time recorded in the pid file.</summary>
    public long? StartTime { get; }

    /// <summary>Completes with the exit code (128 + signal number when killed by a signal) once the process exits.</summary>
    public Task<int> Exited { get; }

    /// <summary>Starts the process; an I/O-level failure (the wrapper itself cannot run) is returned as an error message.</summary>
    public static (ContainerProcess? Process, string? Error) Start(ProcessSpec spec)
    {
        var psi = new ProcessStartInfo(SetsidPath ?? "/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory,
        };
        if (SetsidPath is not null) psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Wrapper);
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(spec.LogFile);
        psi.ArgumentList.Add(spec.Program);
        foreach (var a in spec.Arguments) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var (k, v) in spec.Environment) psi.Environment[k] = v;
        try
        {
            var process = Process.Start(psi);
            if (process is null) return (null, "the process did not start");
            return (new ContainerProcess(process, Posix.StartTime(process.Id)), null);
        }
        catch (Exception e) when (e is Win32Exception or IOException or InvalidOperationException)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Sends a signal to the process group (falling back to the process when it has no group of its own).</summary>
    public void Signal(int signal)
    {
        if (!Posix.SignalGroup(Pid, signal)) Posix.Signal(Pid, signal);
    }

    /// <summary>Kills whatever is left of the group (children that outlived the main process too).</summary>
    public void KillGroup() => Posix.SignalGroup(Pid, Posix.SIGKILL);

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    public void Dispose() => _process.Dispose();
}
