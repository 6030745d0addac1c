namespace Switchyard.Cli;

/// <summary>
/// Everything the CLI takes from the process it runs in: streams, environment variables, the
/// working directory, the clock and whether stdout is a terminal. Tests pass their own, so no command
/// reads <see cref="Console"/> or <see cref="Environment"/> directly.
/// </summary>
internal sealed record CliEnvironment
{
    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }
    public TextReader In { get; init; } = TextReader.Null;

    /// <summary>Environment variable lookup; null when unset.</summary>
    public Func<string, string?> GetVariable { get; init; } = _ => null;

    public string CurrentDirectory { get; init; } = Directory.GetCurrentDirectory();
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>True when stdout is an interactive terminal (colors are only used then, and never with NO_COLOR).</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>True for the real process: long-running commands then stop on SIGINT/SIGTERM.</summary>
    public bool HandleSignals { get; init; }

    /// <summary>Logging for the control plane `up` runs; null: its default concise console logs.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Optional HTTP handler for the API client (tests); null means a normal socket handler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    public bool UseColor => OutputIsTerminal && string.IsNullOrEmpty(GetVariable("NO_COLOR"));

    /// <summary>The directory holding current.json: $XDG_CONFIG_HOME/switchyard, else ~/.config/switchyard.</summary>
    public string ConfigDirectory
    {
        get
        {
            var xdg = GetVariable("XDG_CONFIG_HOME");
            if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "switchyard");
            var home = GetVariable("HOME");
            if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(home, ".config", "switchyard");
        }
    }

    /// <summary>Resolves a path the user typed against <see cref="CurrentDirectory"/>.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, CurrentDirectory);

    public static CliEnvironment FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        In = Console.In,
        GetVariable = Environment.GetEnvironmentVariable,
        OutputIsTerminal = !Console.IsOutputRedirected,
        HandleSignals = true,
    };
}
