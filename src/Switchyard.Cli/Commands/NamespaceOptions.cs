using System.CommandLine;

namespace Switchyard.Cli.Commands;

/// <summary>The -n/--namespace and -A/--all-namespaces options, shared by commands that use them.</summary>
internal static class NamespaceOptions
{
    public const string DefaultNamespace = "default";

    public static Option<string?> Namespace() => new("--namespace", "-n")
    {
        Description = "Namespace of the objects (default: \"default\")",
        HelpName = "NS",
    };

    public static Option<bool> AllNamespaces() => new("--all-namespaces", "-A")
    {
        Description = "List objects in every namespace (adds a NAMESPACE column)",
    };
}
