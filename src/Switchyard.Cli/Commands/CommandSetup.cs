using System.CommandLine;

namespace Switchyard.Cli.Commands;

/// <summary>Shared wiring for building commands: the environment, the global options and per-command examples.</summary>
internal sealed class CommandSetup(CliEnvironment env, GlobalOptions globals)
{
    private readonly Dictionary<Command, IReadOnlyList<string>> _examples = [];

    public CliEnvironment Env => env;
    public GlobalOptions Globals => globals;

    public void Examples(Command command, params string[] examples) => _examples[command] = examples;

    public IReadOnlyList<string> ExamplesOf(Command command) => _examples.GetValueOrDefault(command, []);

    public void SetAction(Command command, Func<CliContext, CancellationToken, Task<int>> action) =>
        command.SetAction((parseResult, cancellationToken) => action(new CliContext(env, globals, parseResult), cancellationToken));
}
