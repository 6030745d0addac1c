using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Switchyard.Cli.Output;
using Switchyard.Control.Controllers.Deployments;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary>
/// <c>rollout restart</c>: stamps the pod template with kubectl.kubernetes.io/restartedAt, which changes
/// the template hash, so the Deployment replaces every pod by its rollout strategy.
/// </summary>
internal static class RolloutRestart
{
    public static Command Build(CommandSetup setup)
    {
        var target = DeploymentTarget.Argument();
        var ns = NamespaceOptions.Namespace();
        var command = new Command("restart", "Replace every pod of a deployment through a rolling update") { target, ns };
        setup.Examples(command, "switchyard rollout restart deployment/web");
        setup.SetAction(command, async (context, ct) =>
        {
            var name = DeploymentTarget.Parse(context, context.Get(target) ?? [], out var code);
            if (name is null) return code;
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var stamp = context.Now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var patch = new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [DeploymentLabels.RestartedAt] = stamp } },
                    },
                },
            };
            var result = await client.PatchAsync(ResourceKinds.Deployment, context.Get(ns) ?? NamespaceOptions.DefaultNamespace, name, patch, ct);
            if (!result.Ok) return context.Fail(client, result.Error!);
            context.Out.WriteLine($"{ObjectNames.Qualified(ResourceKinds.Deployment, name)} restarted");
            return ExitCodes.Ok;
        });
        return command;
    }
}
