using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Switchyard.Cli.Commands;
using Switchyard.Cli.Commands.Apply;
using Switchyard.Cli.Commands.Delete;
using Switchyard.Cli.Commands.Describe;
using Switchyard.Cli.Commands.Dns;
using Switchyard.Cli.Commands.Get;
using Switchyard.Cli.Commands.Policy;
using Switchyard.Cli.Commands.Up;
using Switchyard.Cli.Commands.Validate;
using Switchyard.Cli.Commands.Version;

namespace Switchyard.Cli;

/// <summary>Builds the command tree and runs one command line, mapping outcomes to exit codes (0 ok, 1 failure, 2 usage).</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot(CliEnvironment env)
    {
        var globals = new GlobalOptions();
        var setup = new CommandSetup(env, globals);
        var root = new RootCommand("Switchyard: the network of a cloud-native cluster in one program. "
            + "Start a control plane with `switchyard up`, then use kubectl-style commands against it.");
        globals.AddTo(root);
        root.Subcommands.Add(UpCommand.Build(setup));
        root.Subcommands.Add(ApplyCommand.Build(setup));
        root.Subcommands.Add(GetCommand.Build(setup));
        root.Subcommands.Add(DescribeCommand.Build(setup));
        root.Subcommands.Add(DeleteCommand.Build(setup));
        root.Subcommands.Add(ValidateCommand.Build(setup));
        root.Subcommands.Add(VersionCommand.Build(setup));
        root.Subcommands.Add(DnsCommand.Build(setup));
        root.Subcommands.Add(PolicyCommand.Build(setup));
        root.Subcommands.Add(Switchyard.Cli.Commands.Rollout.RolloutCommand.Build(setup));
        root.Subcommands.Add(Switchyard.Cli.Commands.Scale.ScaleCommand.Build(setup));
        root.Subcommands.Add(Switchyard.Cli.Commands.DemoApp.DemoAppCommand.Build(setup));
        root.Subcommands.Add(Switchyard.Cli.Commands.Logs.LogsCommand.Build(setup));
        root.Subcommands.Add(Switchyard.Cli.Commands.Gateway.GatewayCommand.Build(setup));
        setup.Examples(root,
            "switchyard up -f examples/quickstart",
            "switchyard apply -f web.yaml",
            "switchyard get all",
            "switchyard get svc web -o yaml",
            "switchyard validate -f examples/quickstart/");

        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction inner) help.Action = new ExamplesHelpAction(inner, setup);
        }
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken)
    {
        var root = BuildRoot(env);
        var parseResult = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parseResult.Errors.Count > 0 && parseResult.Action is ParseErrorAction)
        {
            foreach (var error in parseResult.Errors) env.Error.WriteLine($"error: {error.Message}");
            env.Error.WriteLine($"Run '{CliContext.CommandPath(parseResult.CommandResult)} --help' for usage.");
            return ExitCodes.Usage;
        }
        var config = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parseResult.InvokeAsync(config, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            env.Error.WriteLine($"error: internal error, please report it: {e}");
            return ExitCodes.Failure;
        }
    }
}
