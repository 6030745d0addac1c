using System.CommandLine;
using Switchyard.Cli.Output;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary><c>rollout history</c>: the revisions kept for a Deployment, or one revision's pod template.</summary>
internal static class RolloutHistory
{
    private static readonly string[] Header = ["REVISION", "CHANGE-CAUSE"];

    public static Command Build(CommandSetup setup)
    {
        var target = DeploymentTarget.Argument();
        var ns = NamespaceOptions.Namespace();
        var revision = new Option<long?>("--revision") { Description = "Show the pod template of this revision", HelpName = "N" };
        var command = new Command("history", "List a deployment's revisions") { target, ns, revision };
        setup.Examples(command, "switchyard rollout history deployment/web", "switchyard rollout history deployment/web --revision 2");
        setup.SetAction(command, async (context, ct) =>
        {
            var name = DeploymentTarget.Parse(context, context.Get(target) ?? [], out var code);
            if (name is null) return code;
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var (_, history, error) = await RolloutHistoryReader.ReadAsync(client, context.Get(ns) ?? NamespaceOptions.DefaultNamespace, name, ct);
            if (error is not null) return context.Fail(client, error);
            var qualified = ObjectNames.Qualified(ResourceKinds.Deployment, name);
            if (context.Get(revision) is { } wanted)
            {
                var entry = history.FirstOrDefault(e => e.Revision == wanted);
                if (entry is null) return context.Fail($"unable to find the specified revision {wanted} of {qualified}");
                context.Out.WriteLine($"{qualified} with revision #{wanted}");
                WriteTemplate(context.Out, entry);
                return ExitCodes.Ok;
            }
            context.Out.WriteLine(qualified);
            var table = new List<string[]> { Header };
            table.AddRange(history.Select(e => new[] { e.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), e.ChangeCause ?? "<none>" }));
            var width = table.Max(r => r[0].Length) + 2;
            foreach (var row in table) context.Out.WriteLine(row[0].PadRight(width) + row[1]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteTemplate(TextWriter o, RevisionEntry entry)
    {
        var meta = entry.Template.Metadata;
        o.WriteLine("Pod Template:");
        o.WriteLine($"  Labels:\t{Pairs(meta?.Labels, ("pod-template-hash", entry.PodTemplateHash))}");
        if (meta?.Annotations is { Count: > 0 } a) o.WriteLine($"  Annotations:\t{Pairs(a)}");
        o.WriteLine("  Containers:");
        foreach (var c in entry.Template.Spec?.Containers ?? [])
        {
            o.WriteLine($"   {c.Name}:");
            o.WriteLine($"    Image:\t{c.Image ?? "<none>"}");
            if (c.Command is { Count: > 0 }) o.WriteLine($"    Command:\t{string.Join(" ", c.Command)}");
            if (c.Args is { Count: > 0 }) o.WriteLine($"    Args:\t{string.Join(" ", c.Args)}");
            foreach (var p in c.Ports ?? []) o.WriteLine($"    Port:\t{p.ContainerPort}/{p.Protocol ?? "TCP"}{(p.Name is null ? "" : $" ({p.Name})")}");
            foreach (var e in c.Env ?? []) o.WriteLine($"    Env:\t{e.Name}={e.Value ?? "<from " + (e.ValueFrom?.FieldRef?.FieldPath ?? "a reference") + ">"}");
        }
    }

    private static string Pairs(IDictionary<string, string>? map, params (string Key, string Value)[] extra) =>
        string.Join(",", (map ?? new Dictionary<string, string>()).Select(p => (p.Key, p.Value)).Concat(extra)
            .OrderBy(p => p.Item1, StringComparer.Ordinal).Select(p => $"{p.Item1}={p.Item2}"));
}
