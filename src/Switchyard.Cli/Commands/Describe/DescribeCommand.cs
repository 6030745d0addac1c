using System.CommandLine;
using System.Text.Json.Nodes;
using Switchyard.Cli.Client;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Describe;

/// <summary><c>switchyard describe KIND NAME</c>: a readable, multi-line account of one object and what backs it.</summary>
internal static class DescribeCommand
{
    public static Command Build(CommandSetup setup)
    {
        var kindArg = new Argument<string>("KIND") { Description = "Kind (plural, singular or short name), or KIND/NAME" };
        var names = new Argument<string[]>("NAME") { Description = "Names of the objects", Arity = ArgumentArity.ZeroOrMore };
        var ns = NamespaceOptions.Namespace();
        var command = new Command("describe", "Show the details of objects: metadata, labels, the kind's key fields, status and conditions; for Services also the EndpointSlices and endpoints behind them.")
        {
            kindArg, names, ns,
        };
        setup.Examples(command,
            "switchyard describe svc web",
            "switchyard describe pod/web-1 -n shop",
            "switchyard describe deploy web",
            "switchyard describe pods -n shop                   # every pod of the namespace");
        setup.SetAction(command, async (context, ct) =>
        {
            var kindText = context.Get(kindArg) ?? "";
            var objectNames = (context.Get(names) ?? []).ToList();
            if (kindText.Contains('/', StringComparison.Ordinal))
            {
                objectNames.Insert(0, kindText[(kindText.IndexOf('/', StringComparison.Ordinal) + 1)..]);
                kindText = kindText[..kindText.IndexOf('/', StringComparison.Ordinal)];
            }
            var kind = KindNames.Resolve(context, kindText);
            if (kind is null) return ExitCodes.Failure;
            var namespaceName = kind.Namespaced ? context.Get(ns) ?? NamespaceOptions.DefaultNamespace : null;

            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var code = ExitCodes.Ok;
            var first = true;
            if (objectNames.Count == 0)
            {
                // As kubectl: no name describes every object of the kind (in the namespace).
                var listed = await client.ListAsync(kind, namespaceName, null, ct);
                if (!listed.Ok) return context.Fail(client, listed.Error!);
                if (listed.Value!.Items.Count == 0)
                {
                    context.Error.WriteLine(kind.Namespaced ? $"No resources found in {namespaceName} namespace." : "No resources found");
                    return ExitCodes.Ok;
                }
                foreach (var item in listed.Value.Items)
                {
                    if (!first) context.Out.WriteLine();
                    first = false;
                    context.Out.Write(await DescribeAsync(context, client, kind, item, ct));
                }
                return ExitCodes.Ok;
            }
            foreach (var name in objectNames)
            {
                var got = await client.GetAsync(kind, namespaceName, name, ct);
                if (!got.Ok)
                {
                    context.Fail(client, got.Error!);
                    if (got.Error!.Kind != ApiErrorKind.Status) return ExitCodes.Failure;
                    code = ExitCodes.Failure;
                    continue;
                }
                if (!first) context.Out.WriteLine();
                first = false;
                var text = await DescribeAsync(context, client, kind, got.Value!, ct);
                context.Out.Write(text);
            }
            return code;
        });
        return command;
    }

    internal static async Task<string> DescribeAsync(CliContext context, SwitchyardClient client, ResourceKind kind, JsonObject obj, CancellationToken ct)
    {
        var w = new DescribeWriter();
        Describers.Metadata(w, kind, obj, context.Now);
        if (kind == ResourceKinds.Pod) Describers.Pod(w, obj);
        else if (kind == ResourceKinds.Deployment) Describers.Deployment(w, obj);
        else if (kind == ResourceKinds.EndpointSlice) Describers.EndpointSlice(w, obj);
        else if (kind == ResourceKinds.Service)
        {
            var selector = $"kubernetes.io/service-name={obj["metadata"]?["name"]}";
            var slices = await client.ListAsync(ResourceKinds.EndpointSlice, obj["metadata"]?["namespace"]?.GetValue<string>(), selector, ct);
            Describers.Service(w, obj, slices.Ok ? slices.Value!.Items : []);
        }
        else Describers.Generic(w, obj);
        return w.ToString();
    }
}
