using System.CommandLine;
using System.CommandLine.Parsing;
using Switchyard.Cli.Client;
using Switchyard.Cli.Output;

namespace Switchyard.Cli.Commands;

/// <summary>What one command invocation works with: the environment, the parsed flags, the server target.</summary>
internal sealed class CliContext(CliEnvironment env, GlobalOptions globals, ParseResult parseResult)
{
    public CliEnvironment Env { get; } = env;
    public ParseResult ParseResult { get; } = parseResult;
    public TextWriter Out => Env.Out;
    public TextWriter Error => Env.Error;
    public Colors Colors { get; } = new(env.UseColor);
    public DateTimeOffset Now => Env.Time.GetUtcNow();

    public T? Get<T>(Option<T> option) => ParseResult.GetValue(option);
    public T? Get<T>(Argument<T> argument) => ParseResult.GetValue(argument);

    /// <summary>A client for the resolved server, or null after printing why there is none.</summary>
    public SwitchyardClient? Connect()
    {
        var target = TargetResolver.Resolve(globals.Read(ParseResult), Env);
        if (!target.Ok)
        {
            Fail(target.Error!.Message);
            return null;
        }
        return new SwitchyardClient(target.Value!, Env.HttpHandler);
    }

    /// <summary>Prints "error: message" on stderr and returns the failure exit code.</summary>
    public int Fail(string message)
    {
        Error.WriteLine($"{Colors.Red("error:")} {message}");
        return ExitCodes.Failure;
    }

    /// <summary>Prints a usage error and returns the usage exit code.</summary>
    public int Usage(string message)
    {
        Error.WriteLine($"{Colors.Red("error:")} {message}");
        Error.WriteLine($"Run '{CommandPath(ParseResult.CommandResult)} --help' for usage.");
        return ExitCodes.Usage;
    }

    /// <summary>The command as typed, from the root: "switchyard gateway serve".</summary>
    public static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is not null; r = r.Parent)
        {
            if (r is CommandResult { Command: not RootCommand } c) names.Add(c.Command.Name);
        }
        names.Add("switchyard");
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Prints an API error as a person can act on it, and returns the failure exit code.</summary>
    public int Fail(SwitchyardClient client, ApiError error)
    {
        Error.WriteLine(ErrorMessages.Format(client.Target, error, Colors));
        return ExitCodes.Failure;
    }
}
