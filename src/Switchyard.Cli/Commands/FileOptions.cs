using System.CommandLine;

namespace Switchyard.Cli.Commands;

/// <summary>The repeatable -f/--filename option: files, directories (recursive) or "-" for stdin.</summary>
internal static class FileOptions
{
    public static Option<string[]> Files(string description, bool required) => new("--filename", "-f")
    {
        Description = description,
        Required = required,
        HelpName = "PATH",
        AllowMultipleArgumentsPerToken = false,
        Arity = required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore,
    };
}
