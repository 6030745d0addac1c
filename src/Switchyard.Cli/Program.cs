namespace Switchyard.Cli;

/// <summary>Entry point of the <c>switchyard</c> command.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        ForgetLauncherGcSetting();
        return CliApp.RunAsync(args, CliEnvironment.FromProcess(), CancellationToken.None);
    }

    /// <summary>
    /// The ./switchyard launcher gives the runtime build its first-generation GC budget (src/Switchyard.Cli/Runtime.props)
    /// in the environment, which the GC has read by now: taken out again, so that the processes this one starts (pods,
    /// probes) run with their own settings.
    /// </summary>
    private static void ForgetLauncherGcSetting()
    {
        if (Environment.GetEnvironmentVariable("SWITCHYARD_GEN0_FROM_LAUNCHER") != "1") return;
        Environment.SetEnvironmentVariable("DOTNET_GCgen0size", null);
        Environment.SetEnvironmentVariable("SWITCHYARD_GEN0_FROM_LAUNCHER", null);
    }

    /// <summary>Runs the CLI in-process with the given streams and no environment variables (for tests and embedding).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        CliApp.RunAsync(args, new CliEnvironment { Out = stdout, Error = stderr }, cancellationToken);
}
