using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Switchyard.Cli.Commands;

/// <summary>The standard help, followed by the command's examples.</summary>
internal sealed class ExamplesHelpAction(HelpAction inner, CommandSetup setup) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        inner.Invoke(parseResult);
        var examples = setup.ExamplesOf(parseResult.CommandResult.Command);
        if (examples.Count == 0) return ExitCodes.Ok;
        var output = parseResult.InvocationConfiguration.Output;
        output.WriteLine("Examples:");
        foreach (var e in examples) output.WriteLine($"  {e}");
        output.WriteLine();
        return ExitCodes.Ok;
    }
}
