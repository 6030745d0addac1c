using System.CommandLine;
using System.Text.Json.Nodes;
using Switchyard.Cli.Commands.Rollout;
using Switchyard.Cli.Output;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Scale;

/// <summary>
/// <c>switchyard scale deployment/NAME --replicas N</c>: sets spec.replicas with a merge patch; with
/// --current-replicas the change is made only if the deployment has that many now.
/// </summary>
internal static class ScaleCommand
{
    public static Command Build(CommandSetup setup)
    {
        var target = DeploymentTarget.Argument();
        var ns = NamespaceOptions.Namespace();
        var replicas = new Option<int>("--replicas") { Description = "The new number of replicas", HelpName = "N", Required = true };
        var current = new Option<int?>("--current-replicas") { Description = "Precondition: scale only if spec.replicas is this now", HelpName = "N" };
        var command = new Command("scale", "Set the number of replicas of a deployment") { target, ns, replicas, current };
        setup.Examples(command, "switchyard scale deployment/payments-api --replicas 5", "switchyard scale deploy web --replicas 0 -n shop");
        setup.SetAction(command, async (context, ct) =>
        {
            var name = DeploymentTarget.Parse(context, context.Get(target) ?? [], out var code);
            if (name is null) return code;
            var count = context.Get(replicas);
            if (count < 0) return context.Usage($"--replicas: {count} must not be negative");
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var space = context.Get(ns) ?? NamespaceOptions.DefaultNamespace;
            var patch = new JsonObject { ["spec"] = new JsonObject { ["replicas"] = count } };
            if (context.Get(current) is { } expected)
            {
                var got = await client.GetAsync(ResourceKinds.Deployment, space, name, ct);
                if (!got.Ok) return context.Fail(client, got.Error!);
                var now = got.Value!["spec"]?["replicas"] is JsonValue v ? v.GetValue<int>() : 1;
                if (now != expected) return context.Fail($"expected replicas to be {expected}, was {now}");
                patch["metadata"] = new JsonObject { ["resourceVersion"] = got.Value!["metadata"]?["resourceVersion"]?.DeepClone() };
            }
            var result = await client.PatchAsync(ResourceKinds.Deployment, space, name, patch, ct);
            if (!result.Ok) return context.Fail(client, result.Error!);
            context.Out.WriteLine($"{ObjectNames.Qualified(ResourceKinds.Deployment, name)} scaled");
            return ExitCodes.Ok;
        });
        return command;
    }
}
