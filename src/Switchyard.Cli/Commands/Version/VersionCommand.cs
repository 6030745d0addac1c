using System.CommandLine;
using System.Reflection;
using Switchyard.Cli.Client;
using Switchyard.Cli.Output;

namespace Switchyard.Cli.Commands.Version;

/// <summary><c>switchyard version</c>: the client's version and, when reachable, the server's.</summary>
internal static class VersionCommand
{
    public static string ClientVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Command Build(CommandSetup setup)
    {
        var clientOnly = new Option<bool>("--client") { Description = "Print the client version only; do not contact the server" };
        var command = new Command("version", "Print the client version and the version of the control plane it talks to.") { clientOnly };
        setup.Examples(command, "switchyard version", "switchyard version --client");
        setup.SetAction(command, async (context, ct) =>
        {
            context.Out.WriteLine($"Client Version: {ClientVersion}");
            if (context.Get(clientOnly)) return ExitCodes.Ok;
            using var client = context.Connect();
            if (client is null) return ExitCodes.Failure;
            var result = await client.VersionAsync(ct);
            if (!result.Ok) return context.Fail(client, result.Error!);
            var v = result.Value!;
            var version = v.Str("gitVersion") ?? v.Str("version") ?? v.ToJsonString();
            context.Out.WriteLine($"Server Version: {version} ({client.Target.Server.GetLeftPart(UriPartial.Authority)})");
            return ExitCodes.Ok;
        });
        return command;
    }
}
