using System.CommandLine;
using System.Text.Json.Nodes;
using Switchyard.Cli.Client;
using Switchyard.Model.Resources;
using Switchyard.Runtime.Logs;

namespace Switchyard.Cli.Commands.Logs;

/// <summary>
/// <c>switchyard logs POD [-c CONTAINER] [-f] [--previous] [--tail N]</c>: prints a container's stdout and
/// stderr. The pod (its uid, containers, restart count) comes from the API server; the text comes from the
/// log files the local runtime writes under the state directory (--state-dir, $SWITCHYARD_STATE_DIR, the
/// directory recorded by <c>up</c>, or ./.switchyard), so this runs on the machine that runs <c>up</c>.
/// </summary>
internal static class LogsCommand
{
    public static Command Build(CommandSetup setup)
    {
        var podArg = new Argument<string>("POD") { Description = "The pod (NAME or pod/NAME)" };
        var container = new Option<string?>("--container", "-c") { Description = "The container (default: the pod's only container)", HelpName = "NAME" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what the container writes, across restarts, until Ctrl-C" };
        var previous = new Option<bool>("--previous", "-p") { Description = "Print the log of the previous run of the container (before its last restart)" };
        var tail = new Option<int>("--tail") { Description = "Print only the last N lines (-1: all)", HelpName = "N", DefaultValueFactory = _ => -1 };
        var ns = NamespaceOptions.Namespace();
        var command = new Command("logs", "Print the logs (stdout and stderr) of a container in a pod run by the local runtime.")
        {
            podArg, container, follow, previous, tail, ns,
        };
        setup.Examples(command,
            "switchyard logs web-7d9f8-abcde",
            "switchyard logs web-7d9f8-abcde -c sidecar -f",
            "switchyard logs pod/payments-1 --previous -n shop",
            "switchyard logs web-1 --tail 20");
        setup.SetAction(command, async (context, ct) =>
        {
            var name = context.Get(podArg) ?? "";
            if (name.StartsWith("pod/", StringComparison.Ordinal) || name.StartsWith("pods/", StringComparison.Ordinal)) name = name[(name.IndexOf('/', StringComparison.Ordinal) + 1)..];
            if (name.Length == 0) return context.Usage("give the name of the pod");
            var namespaceName = context.Get(ns) ?? NamespaceOptions.DefaultNamespace;
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var got = await client.GetAsync(ResourceKinds.Pod, namespaceName, name, ct);
            if (!got.Ok) return context.Fail(client, got.Error!);
            var pod = got.Value!;
            var containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>() ?? "").ToList();
            var chosen = context.Get(container);
            if (chosen is null)
            {
                if (containers.Count != 1) return context.Fail($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
                chosen = containers[0];
            }
            else if (!containers.Contains(chosen))
            {
                return context.Fail($"container {chosen} is not valid for pod {name}, choose one of: [{string.Join(" ", containers)}]");
            }
            var status = (pod["status"]?["containerStatuses"] as JsonArray ?? []).FirstOrDefault(s => s?["name"]?.GetValue<string>() == chosen);
            var restarts = (int?)status?["restartCount"]?.GetValue<long>() ?? 0;
            var uid = pod["metadata"]?["uid"]?.GetValue<string>() ?? "";
            var (path, error) = PodLogFiles.Find(StateDirectory(context, setup), namespaceName, name, uid, chosen, restarts, context.Get(previous));
            if (path is null) return context.Fail(error!);
            var text = await File.ReadAllTextAsync(path, ct);
            await context.Out.WriteAsync(PodLogFiles.Tail(text, context.Get(tail)));
            await context.Out.FlushAsync(ct);
            if (context.Get(follow) && !context.Get(previous))
            {
                await PodLogFiles.FollowAsync(path, System.Text.Encoding.UTF8.GetByteCount(text), context.Out, context.Env.Time, ct);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string StateDirectory(CliContext context, CommandSetup setup)
    {
        var flag = context.Get(setup.Globals.StateDir);
        if (flag is { Length: > 0 }) return context.Env.FullPath(flag);
        if (context.Env.GetVariable("SWITCHYARD_STATE_DIR") is { Length: > 0 } fromEnv) return context.Env.FullPath(fromEnv);
        if (CurrentContext.Read(context.Env.ConfigDirectory)?.StateDir is { Length: > 0 } recorded) return recorded;
        return context.Env.FullPath(TargetResolver.DefaultStateDir);
    }
}
