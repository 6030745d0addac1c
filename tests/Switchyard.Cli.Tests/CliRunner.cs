using Microsoft.Extensions.Logging;
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

    /// <summary>
    /// Log what <c>up</c> logs (host, Kestrel, components) to the captured stderr, exceptions with their stack traces, as a
    /// console would show them; default false: logs are dropped.
    /// </summary>
    public bool LogsToError { get; set; }

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task<CliRun> RunAsync(params string[] args) => await RunAsync(args, CancellationToken.None);

    /// <param name="output">Where stdout goes, for a test that reads it while the command runs.</param>
    /// <param name="errorOutput">Where stderr goes, likewise.</param>
    public async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken, StringWriter? output = null, StringWriter? errorOutput = null)
    {
        var stdout = output ?? new StringWriter { NewLine = "\n" };
        var stderr = errorOutput ?? new StringWriter { NewLine = "\n" };
        var error = TextWriter.Synchronized(stderr);
        using var logs = LogsToError ? LoggerFactory.Create(b => b.AddProvider(new WriterLoggerProvider(error)).SetMinimumLevel(LogLevel.Information)) : null;
        var env = new CliEnvironment
        {
            Out = TextWriter.Synchronized(stdout),
            Error = error,
            In = new StringReader(Stdin),
            GetVariable = name => Variables.GetValueOrDefault(name),
            CurrentDirectory = Directory,
            HttpHandler = Handler,
            LoggerFactory = logs ?? (ILoggerFactory)NullLoggerFactory.Instance,
        };
        var code = await CliApp.RunAsync(args, env, cancellationToken);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>What <paramref name="writer"/> holds so far, read while a command writes to it (a read racing a write is tried again).</summary>
    public static string SoFar(StringWriter writer)
    {
        while (true)
        {
            try
            {
                return writer.ToString();
            }
            catch (ArgumentOutOfRangeException)
            {
            }
        }
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

/// <summary>Writes each log entry as "level: category: message" and the exception with its stack trace, like a console logger.</summary>
internal sealed class WriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, writer);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            writer.WriteLine($"{logLevel}: {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
    }
}
