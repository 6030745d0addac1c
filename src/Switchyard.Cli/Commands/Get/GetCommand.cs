using System.CommandLine;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;

namespace Switchyard.Cli.Commands.Get;

/// <summary><c>switchyard get KIND [NAME...]</c>: lists or fetches objects and prints a table, JSON, YAML or names.</summary>
internal static class GetCommand
{
    public static Command Build(CommandSetup setup)
    {
        var what = new Argument<string[]>("KIND [NAME...]")
        {
            Description = "A kind (plural, singular or short name: pods, svc, deploy, httproutes, ...; several comma-separated; or 'all'), then optional names. KIND/NAME also works.",
            Arity = ArgumentArity.OneOrMore,
        };
        var ns = NamespaceOptions.Namespace();
        var all = NamespaceOptions.AllNamespaces();
        var selector = new Option<string?>("--selector", "-l")
        {
            Description = "Label selector: k=v, k!=v, 'k in (a,b)', 'k notin (a)', k, !k; comma means AND",
            HelpName = "SELECTOR",
        };
        var output = new Option<string?>("--output", "-o") { Description = "Output format: wide, json, yaml or name (default: table)", HelpName = "FORMAT" };
        output.AcceptOnlyFromAmong(OutputFormats.Names);
        var watch = new Option<bool>("--watch", "-w") { Description = "After printing, keep printing changes as they happen (Ctrl-C to stop)" };
        var command = new Command("get", "Display one or many objects. Tables follow kubectl's columns per kind; -o json and -o yaml print objects that `apply -f` accepts back.")
        {
            what, ns, all, selector, output, watch,
        };
        setup.Examples(command,
            "switchyard get all",
            "switchyard get pods -o wide",
            "switchyard get svc web -o yaml",
            "switchyard get deploy,svc -n shop",
            "switchyard get pods -A -l 'app in (web,api),tier!=db'",
            "switchyard get endpointslices -w",
            "switchyard get httproutes.gateway.networking.k8s.io -o name");
        setup.SetAction(command, async (context, ct) =>
        {
            if (context.Get(all) && context.Get(ns) is not null) return context.Usage("--namespace and --all-namespaces cannot be used together");
            var labelSelector = context.Get(selector);
            if (labelSelector is not null)
            {
                var parsed = Selector.Parse(labelSelector);
                if (!parsed.Ok)
                {
                    foreach (var e in parsed.Errors) context.Fail(e);
                    return ExitCodes.Failure;
                }
            }
            var request = ParseWhat(context, context.Get(what) ?? [], context.Get(all) ? null : context.Get(ns) ?? NamespaceOptions.DefaultNamespace,
                labelSelector, OutputFormats.Parse(context.Get(output)), context.Get(watch), out var refused);
            if (request is null) return refused;
            if (request.Watch && request.AllKinds) return context.Usage("--watch works with one kind at a time");
            if (request.Names.Count > 0 && labelSelector is not null) return context.Usage("names and --selector cannot be used together");

            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            return await new GetRunner(context, client, request).RunAsync(ct);
        });
        return command;
    }

    /// <summary>
    /// Turns "KIND [NAME...]", "KIND1,KIND2", "all" or "KIND/NAME..." into a request; null after printing why not, with
    /// the exit code in <paramref name="refused"/>: usage for arguments in the wrong form, failure for a kind the server
    /// does not have (kubectl's exit codes).
    /// </summary>
    internal static GetRequest? ParseWhat(CliContext context, IReadOnlyList<string> words, string? ns, string? selector, OutputFormat format, bool watch, out int refused)
    {
        refused = ExitCodes.Failure;
        if (words[0].Contains('/', StringComparison.Ordinal))
        {
            ResourceKind? kind = null;
            var names = new List<string>();
            foreach (var word in words)
            {
                var slash = word.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || slash == word.Length - 1)
                {
                    refused = context.Usage($"\"{word}\": expected KIND/NAME when the first argument is KIND/NAME");
                    return null;
                }
                var k = KindNames.Resolve(context, word[..slash]);
                if (k is null) return null;
                if (kind is not null && k != kind)
                {
                    refused = context.Usage("KIND/NAME arguments must all be of one kind; run get once per kind");
                    return null;
                }
                kind = k;
                names.Add(word[(slash + 1)..]);
            }
            return new GetRequest([kind!], names, ns, selector, format, watch);
        }

        var kinds = new List<ResourceKind>();
        foreach (var name in words[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                kinds.AddRange(GetRequest.AllKindsList);
                continue;
            }
            var kind = KindNames.Resolve(context, name);
            if (kind is null) return null;
            kinds.Add(kind);
        }
        kinds = kinds.Distinct().ToList();
        var objectNames = words.Skip(1).ToList();
        if (kinds.Count > 1 && objectNames.Count > 0)
        {
            refused = context.Usage("names can only be given with a single kind (as kubectl: run get once per kind)");
            return null;
        }
        return new GetRequest(kinds, objectNames, ns, selector, format, watch);
    }
}
