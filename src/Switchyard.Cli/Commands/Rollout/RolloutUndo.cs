using System.CommandLine;
using k8s.Models;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchyard.Cli.Output;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary>
/// <c>rollout undo</c>: puts the pod template of an earlier revision back (the previous one, or
/// --to-revision N) with a conditional replace of the Deployment; the controller then rolls it out
/// as a new revision, as Kubernetes does.
/// </summary>
internal static class RolloutUndo
{
    private const int Attempts = 5;

    public static Command Build(CommandSetup setup)
    {
        var target = DeploymentTarget.Argument();
        var ns = NamespaceOptions.Namespace();
        var toRevision = new Option<long>("--to-revision") { Description = "The revision to roll back to; 0 (default) means the previous one", HelpName = "N" };
        var command = new Command("undo", "Roll a deployment back to an earlier revision") { target, ns, toRevision };
        setup.Examples(command, "switchyard rollout undo deployment/web", "switchyard rollout undo deployment/web --to-revision 1");
        setup.SetAction(command, async (context, ct) =>
        {
            var name = DeploymentTarget.Parse(context, context.Get(target) ?? [], out var code);
            if (name is null) return code;
            var wanted = context.Get(toRevision);
            if (wanted < 0) return context.Usage("--to-revision must not be negative");
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var space = context.Get(ns) ?? NamespaceOptions.DefaultNamespace;
            var qualified = ObjectNames.Qualified(ResourceKinds.Deployment, name);
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                var (deployment, history, error) = await RolloutHistoryReader.ReadAsync(client, space, name, ct);
                if (error is not null) return context.Fail(client, error);
                var current = RolloutHistoryReader.CurrentRevision(deployment!);
                var entry = wanted == 0
                    ? history.Where(e => e.Revision < current).MaxBy(e => e.Revision)
                    : history.FirstOrDefault(e => e.Revision == wanted);
                if (entry is null)
                {
                    return context.Fail(wanted == 0 ? $"no rollout history found for {qualified}" : $"unable to find specified revision {wanted} in history");
                }
                var template = JsonSerializer.SerializeToNode(entry.Template, ResourceJson.Info<V1PodTemplateSpec>())!;
                if (JsonNode.DeepEquals(Canonical(template), Canonical(deployment!["spec"]?["template"])))
                {
                    context.Out.WriteLine($"{qualified} skipped rollback (current template already matches revision {entry.Revision})");
                    return ExitCodes.Ok;
                }
                deployment!["spec"]!["template"] = template;
                var result = await client.ReplaceAsync(ResourceKinds.Deployment, space, name, deployment, ct);
                if (result.Ok)
                {
                    context.Out.WriteLine($"{qualified} rolled back");
                    return ExitCodes.Ok;
                }
                if (result.Error!.Code != 409 || attempt == Attempts) return context.Fail(client, result.Error);
            }
            return ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>The template without the controller's own label, for comparison.</summary>
    private static JsonNode? Canonical(JsonNode? template)
    {
        var copy = template?.DeepClone();
        (copy?["metadata"]?["labels"] as JsonObject)?.Remove(DeploymentLabels.PodTemplateHash);
        return copy;
    }
}
