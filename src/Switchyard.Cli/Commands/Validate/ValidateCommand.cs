using System.CommandLine;

namespace Switchyard.Cli.Commands.Validate;

/// <summary><c>switchyard validate -f PATH...</c>: checks manifests offline, reporting every error.</summary>
internal static class ValidateCommand
{
    public static Command Build(CommandSetup setup)
    {
        var files = FileOptions.Files("Manifest file, directory (recursive) or - for stdin; repeatable", required: true);
        var command = new Command("validate", "Check manifests offline, without a server: decoding, defaulting and the Kubernetes validation rules of every kind. Prints every error as FILE:LINE: Kind namespace/name: field.path: message.")
        {
            files,
        };
        setup.Examples(command,
            "switchyard validate -f examples/quickstart/",
            "switchyard validate -f web.yaml -f db.yaml",
            "cat web.yaml | switchyard validate -f -");
        setup.SetAction(command, (context, _) =>
        {
            var result = ManifestInput.Read(context.Env, context.Get(files) ?? [], namespaceOverride: null);
            if (!result.Ok) return Task.FromResult(ManifestInput.PrintErrors(context, result, ""));
            var n = result.Objects.Count;
            context.Out.WriteLine($"{n} {(n == 1 ? "object" : "objects")} valid");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
