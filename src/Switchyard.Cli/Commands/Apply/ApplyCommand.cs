using System.CommandLine;
using System.Text.Json.Nodes;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Apply;

/// <summary>
/// <c>switchyard apply -f PATH...</c>: reads and validates manifests client-side (any error: print all,
/// send nothing), then applies them as one all-or-nothing batch and prints what happened to each object.
/// </summary>
internal static class ApplyCommand
{
    public static Command Build(CommandSetup setup)
    {
        var files = FileOptions.Files("Manifest file, directory (recursive) or - for stdin; repeatable", required: true);
        var ns = NamespaceOptions.Namespace();
        ns.Description = "Namespace for objects that name none; an object naming another namespace is an error";
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate and admit on the server, but change nothing" };
        var command = new Command("apply", "Create or update objects from manifests, all or nothing. Prints one line per object: created, configured or unchanged.")
        {
            files, ns, dryRun,
        };
        setup.Examples(command,
            "switchyard apply -f web.yaml",
            "switchyard apply -f examples/ -n shop",
            "switchyard apply -f web.yaml --dry-run",
            "kubectl kustomize overlays/dev | switchyard apply -f -");
        setup.SetAction(command, async (context, ct) =>
        {
            var read = ManifestInput.Read(context.Env, context.Get(files) ?? [], context.Get(ns));
            if (!read.Ok) return ManifestInput.PrintErrors(context, read, "; nothing was sent to the server");
            if (read.Objects.Count == 0) return context.Fail("no objects passed to apply");

            var payload = read.Resources.Select(o => (JsonNode)ResourceJson.ToNode(o)).ToList();
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var result = await client.ApplyAsync(payload, context.Get(dryRun), ct);
            if (!result.Ok) return context.Fail(client, result.Error!);
            var suffix = context.Get(dryRun) ? " (server dry run)" : "";
            foreach (var item in result.Value!)
            {
                context.Out.WriteLine($"{ObjectNames.Qualified(item.Object)} {Colorize(context.Colors, item.Action)}{suffix}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Colorize(Colors colors, string action) => action switch
    {
        "created" => colors.Green(action),
        "configured" => colors.Yellow(action),
        "unchanged" => colors.Dim(action),
        _ => action,
    };
}
