namespace Switchyard.Cli;

/// <summary>Entry point of the <c>switchyard</c> command.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CliApp.RunAsync(args, CliEnvironment.FromProcess(), CancellationToken.None);

    /// <summary>Runs the CLI in-process with the given streams and no environment variables (for tests and embedding).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        CliApp.RunAsync(args, new CliEnvironment { Out = stdout, Error = stderr }, cancellationToken);
}
