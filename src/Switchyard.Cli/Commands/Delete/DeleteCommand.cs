using System.CommandLine;
using Switchyard.Cli.Client;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Delete;

/// <summary><c>switchyard delete (-f PATH... | KIND NAME...)</c>: deletes objects named by manifests or on the command line.</summary>
internal static class DeleteCommand
{
    public static Command Build(CommandSetup setup)
    {
        var what = new Argument<string[]>("KIND NAME...")
        {
            Description = "A kind (plural, singular or short name) and the names to delete; KIND/NAME also works",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var files = FileOptions.Files("Delete the objects these manifests describe (file, directory or -); repeatable", required: false);
        var ns = NamespaceOptions.Namespace();
        var ignoreNotFound = new Option<bool>("--ignore-not-found") { Description = "Treat objects that do not exist as deleted (exit 0)" };
        var command = new Command("delete", "Delete objects by kind and name, or those a manifest describes. Deleting a namespace deletes everything in it.")
        {
            what, files, ns, ignoreNotFound,
        };
        setup.Examples(command,
            "switchyard delete svc web",
            "switchyard delete pod/web-1 pod/web-2 -n shop",
            "switchyard delete -f web.yaml --ignore-not-found");
        setup.SetAction(command, async (context, ct) =>
        {
            var paths = context.Get(files) ?? [];
            var words = context.Get(what) ?? [];
            if (paths.Length > 0 && words.Length > 0) return context.Usage("give either -f or KIND NAME..., not both");
            if (paths.Length == 0 && words.Length == 0) return context.Usage("nothing to delete: give -f PATH or KIND NAME...");

            List<(ResourceKind Kind, string? Namespace, string Name)>? targets;
            if (paths.Length > 0)
            {
                var read = ManifestInput.Read(context.Env, paths, context.Get(ns), validate: false);
                if (!read.Ok) return ManifestInput.PrintErrors(context, read, "; nothing was deleted");
                // Namespaces last: deleting one first would take its objects with it and report them as not found.
                targets = read.Resources.Select(o => ObjectRef.Of(o)).Select(r => (r.Kind, r.Namespace, r.Name))
                    .OrderBy(t => t.Kind == ResourceKinds.Namespace).ToList();
            }
            else
            {
                (targets, var parseCode) = ParseTargets(context, words, context.Get(ns) ?? NamespaceOptions.DefaultNamespace);
                if (targets is null) return parseCode;
            }

            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var code = ExitCodes.Ok;
            foreach (var (kind, objectNamespace, name) in targets)
            {
                var result = await client.DeleteAsync(kind, objectNamespace, name, ct);
                if (result.Ok)
                {
                    context.Out.WriteLine($"{ObjectNames.Quoted(kind, name)} {context.Colors.Red("deleted")}");
                    continue;
                }
                if (result.Error!.IsNotFound && context.Get(ignoreNotFound)) continue;
                context.Fail(client, result.Error);
                if (result.Error.Kind is ApiErrorKind.Unreachable or ApiErrorKind.Unauthorized) return ExitCodes.Failure;
                code = ExitCodes.Failure;
            }
            return code;
        });
        return command;
    }

    /// <summary>The objects named on the command line, or null and the exit code (usage error, or 1 for an unknown kind).</summary>
    private static (List<(ResourceKind, string?, string)>? Targets, int Code) ParseTargets(CliContext context, string[] words, string ns)
    {
        var targets = new List<(ResourceKind, string?, string)>();
        if (words[0].Contains('/', StringComparison.Ordinal))
        {
            foreach (var word in words)
            {
                var slash = word.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || slash == word.Length - 1)
                {
                    return (null, context.Usage($"\"{word}\": expected KIND/NAME"));
                }
                var kind = KindNames.Resolve(context, word[..slash]);
                if (kind is null) return (null, ExitCodes.Failure);
                targets.Add((kind, kind.Namespaced ? ns : null, word[(slash + 1)..]));
            }
            return (targets, ExitCodes.Ok);
        }
        var k = KindNames.Resolve(context, words[0]);
        if (k is null) return (null, ExitCodes.Failure);
        if (words.Length == 1) return (null, context.Usage($"give the names of the {k.Plural} to delete"));
        targets.AddRange(words.Skip(1).Select(n => (k, k.Namespaced ? ns : null, n)));
        return (targets, ExitCodes.Ok);
    }
}
