using Microsoft.Extensions.Logging.Abstractions;

namespace Switchyard.Cli.Tests;

/// <summary>The outcome of one in-process CLI run.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error);

/// <summary>
/// Runs the CLI entry point in-process with captured streams, a private working directory and config
/// home, and only the environment variables a test sets (none of the machine's).
/// </summary>
public sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Directory = Path.Combine(Path.GetTempPath(), "sy-cli-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        Variables["XDG_CONFIG_HOME"] = Path.Combine(Directory, "config");
        Variables["HOME"] = Directory;
    }

    public string Directory { get; }
    public Dictionary<string, string> Variables { get; } = [];
    public string Stdin { get; set; } = "";
    public HttpMessageHandler? Handler { get; set; }

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task<CliRun> RunAsync(params string[] args) => await RunAsync(args, CancellationToken.None);

    public async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken, StringWriter? output = null)
    {
        var stdout = output ?? new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var env = new CliEnvironment
        {
            Out = TextWriter.Synchronized(stdout),
            Error = TextWriter.Synchronized(stderr),
            In = new StringReader(Stdin),
            GetVariable = name => Variables.GetValueOrDefault(name),
            CurrentDirectory = Directory,
            HttpHandler = Handler,
            LoggerFactory = NullLoggerFactory.Instance,
        };
        var code = await CliApp.RunAsync(args, env, cancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
