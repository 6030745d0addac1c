using System.CommandLine;
using System.Text.Json.Nodes;
using Switchyard.Cli.Client;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Rollout;

/// <summary>
/// <c>rollout status</c>: prints kubectl's progress lines as the Deployment's status changes (watching
/// it, re-reading when the watch ends) until the rollout completes (exit 0), exceeds its progress
/// deadline (exit 1) or --timeout passes (exit 1).
/// </summary>
internal static class RolloutStatus
{
    public static Command Build(CommandSetup setup)
    {
        var target = DeploymentTarget.Argument();
        var ns = NamespaceOptions.Namespace();
        var timeout = new Option<string?>("--timeout") { Description = "Give up after this long (30s, 5m); 0 or absent waits forever", HelpName = "DURATION" };
        var command = new Command("status", "Watch a deployment's rollout until it completes") { target, ns, timeout };
        setup.Examples(command, "switchyard rollout status deployment/web", "switchyard rollout status deploy/web --timeout 2m");
        setup.SetAction(command, async (context, ct) =>
        {
            var name = DeploymentTarget.Parse(context, context.Get(target) ?? [], out var code);
            if (name is null) return code;
            var limit = TimeSpan.Zero;
            if (context.Get(timeout) is { } text)
            {
                if (DeploymentTarget.ParseDuration(text) is not { } parsed) return context.Usage($"--timeout: \"{text}\" is not a duration like 30s or 5m");
                limit = parsed;
            }
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (limit > TimeSpan.Zero) deadline.CancelAfter(limit);
            try
            {
                return await WatchAsync(context, client, context.Get(ns) ?? NamespaceOptions.DefaultNamespace, name, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return context.Fail("timed out waiting for the condition");
            }
        });
        return command;
    }

    private static async Task<int> WatchAsync(CliContext context, SwitchyardClient client, string ns, string name, CancellationToken ct)
    {
        string? last = null;
        while (true)
        {
            var got = await client.GetAsync(ResourceKinds.Deployment, ns, name, ct);
            if (!got.Ok) return context.Fail(client, got.Error!);
            var outcome = Report(context, got.Value!, ref last);
            if (outcome is { } exit) return exit;
            var watch = await client.WatchAsync(ResourceKinds.Deployment, ns, null, got.Value!["metadata"]?["resourceVersion"]?.GetValue<string>(), ct);
            if (!watch.Ok) return context.Fail(client, watch.Error!);
            await foreach (var line in watch.Value!.WithCancellation(ct))
            {
                if (line.Type == "DELETED" && line.Object["metadata"]?["name"]?.GetValue<string>() == name)
                {
                    return context.Fail($"deployment \"{name}\" was deleted");
                }
                if (line.Type is not ("ADDED" or "MODIFIED") || line.Object["metadata"]?["name"]?.GetValue<string>() != name) continue;
                outcome = Report(context, line.Object, ref last);
                if (outcome is { } done) return done;
            }
            // The server ended the stream: read again and resume.
        }
    }

    /// <summary>Prints the progress line when it changed; returns the exit code once the rollout has finished or failed.</summary>
    private static int? Report(CliContext context, JsonObject deployment, ref string? last)
    {
        var progress = RolloutProgress.Of(deployment);
        if (progress.Failed) return context.Fail(progress.Message);
        if (progress.Message != last)
        {
            context.Out.WriteLine(progress.Message);
            context.Out.Flush();
            last = progress.Message;
        }
        return progress.Done ? ExitCodes.Ok : null;
    }
}
