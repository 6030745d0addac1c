using System.CommandLine;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary><c>switchyard rollout status|restart|undo|history deployment/NAME</c>: manage a Deployment's rollouts, as kubectl does.</summary>
internal static class RolloutCommand
{
    public static Command Build(CommandSetup setup)
    {
        var command = new Command("rollout", "Manage the rollout of a deployment: watch it, restart it, roll it back, list its revisions.");
        command.Subcommands.Add(RolloutStatus.Build(setup));
        command.Subcommands.Add(RolloutRestart.Build(setup));
        command.Subcommands.Add(RolloutUndo.Build(setup));
        command.Subcommands.Add(RolloutHistory.Build(setup));
        setup.Examples(command,
            "switchyard rollout status deployment/payments-api",
            "switchyard rollout restart deployment/payments-api",
            "switchyard rollout undo deployment/payments-api --to-revision 1",
            "switchyard rollout history deployment/payments-api");
        return command;
    }
}
