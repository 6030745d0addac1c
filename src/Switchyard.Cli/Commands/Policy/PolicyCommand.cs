using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Policy;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;
using Switchyard.Policy.Http;
using Switchyard.Policy.Matrix;

namespace Switchyard.Cli.Commands.Policy;

/// <summary>
/// <c>switchyard policy matrix|explain</c>: NetworkPolicy verdicts from manifests (-f, offline) or from
/// the running control plane (no -f). The reasoning lives in Switchyard.Policy; this only reads and prints.
/// </summary>
internal static class PolicyCommand
{
    public static Command Build(CommandSetup setup)
    {
        var command = new Command("policy", "Reachability and reasons under NetworkPolicy: a matrix of every pod pair, or why one connection is allowed or denied.");
        command.Subcommands.Add(BuildMatrix(setup));
        command.Subcommands.Add(BuildExplain(setup));
        return command;
    }

    private static Command BuildMatrix(CommandSetup setup)
    {
        var files = FileOptions.Files("Manifests with Namespaces, Pods (status.podIP, container ports) and NetworkPolicies; without -f, read the running control plane", required: false);
        var ns = new Option<string?>("--namespace", "-n") { Description = "Only pods of this namespace (default: every namespace)", HelpName = "NS" };
        var output = new Option<string>("--output", "-o") { Description = "table or json", HelpName = "FORMAT", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var command = new Command("matrix", "Probe every ordered pair of distinct pods on every port/protocol the destination declares; print a truth-table grid per port (. allowed, X denied) or JSON.")
        {
            files, ns, output,
        };
        setup.Examples(command,
            "switchyard policy matrix -f examples/foundation/",
            "switchyard policy matrix -f cluster.yaml -n shop -o json",
            "switchyard policy matrix            # from the running control plane");
        setup.SetAction(command, async (context, ct) =>
        {
            var index = await LoadAsync(context, context.Get(files) ?? [], ct);
            if (index is null) return ExitCodes.Failure;
            var probes = ReachabilityMatrix.Probe(index, context.Get(ns));
            if (context.Get(output) == "json")
            {
                var root = new JsonObject
                {
                    ["probes"] = new JsonArray(probes.Select(p => (JsonNode)new JsonObject
                    {
                        ["from"] = p.From,
                        ["to"] = p.To,
                        ["port"] = p.Port,
                        ["protocol"] = p.Protocol.Name(),
                        ["allowed"] = p.Allowed,
                        ["reason"] = p.Reason,
                    }).ToArray()),
                };
                context.Out.WriteLine(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }
            var pods = ReachabilityMatrix.SortedPods(index, context.Get(ns)).Select(p => p.Key).ToList();
            if (probes.Count == 0)
            {
                context.Out.WriteLine(pods.Count < 2 ? "fewer than two pods: nothing to probe" : "no pod declares container ports: nothing to probe");
                return ExitCodes.Ok;
            }
            context.Out.Write(ReachabilityMatrix.RenderTable(probes, pods));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command BuildExplain(CommandSetup setup)
    {
        var from = new Option<string>("--from") { Description = "Source: NS/POD, POD (namespace default) or an IP address", HelpName = "NS/POD|IP", Required = true };
        var to = new Option<string>("--to") { Description = "Destination: NS/POD, POD or an IP address", HelpName = "NS/POD|IP", Required = true };
        var port = new Option<string>("--port") { Description = "PORT or PORT/PROTOCOL (TCP, UDP, SCTP; default TCP)", HelpName = "PORT[/PROTO]", Required = true };
        var method = new Option<string?>("--method") { Description = "With --path: an HTTP request to check against HTTPNetworkPolicy rules", HelpName = "METHOD" };
        var path = new Option<string?>("--path") { Description = "HTTP request path", HelpName = "PATH" };
        var headers = new Option<string[]>("--header", "-H") { Description = "HTTP request header NAME:VALUE; repeatable", HelpName = "NAME:VALUE", Arity = ArgumentArity.ZeroOrMore };
        var files = FileOptions.Files("Manifests to decide from; without -f, read the running control plane", required: false);
        var command = new Command("explain", "Explain in plain words whether a connection is allowed and which policies and rules decide it.")
        {
            from, to, port, method, path, headers, files,
        };
        setup.Examples(command,
            "switchyard policy explain --from shop/web-1 --to shop/web-0 --port 8080/TCP -f examples/foundation/",
            "switchyard policy explain --from 192.0.2.10 --to shop/web-0 --port 443",
            "switchyard policy explain --from shop/web-0 --to shop/api-0 --port 8080 --method GET --path /orders -f shop.yaml");
        setup.SetAction(command, async (context, ct) =>
        {
            if (!TryParsePort(context.Get(port) ?? "", out var number, out var protocol))
            {
                return context.Usage($"--port {context.Get(port)}: expected PORT or PORT/PROTOCOL with PORT in 1..65535 and PROTOCOL TCP, UDP or SCTP");
            }
            HttpRequestInfo? request = null;
            if (context.Get(method) is not null || context.Get(path) is not null)
            {
                var list = new List<KeyValuePair<string, string>>();
                foreach (var h in context.Get(headers) ?? [])
                {
                    var colon = h.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0) return context.Usage($"--header {h}: expected NAME:VALUE");
                    list.Add(new(h[..colon].Trim(), h[(colon + 1)..].Trim()));
                }
                request = new HttpRequestInfo(context.Get(method) ?? "GET", context.Get(path) ?? "/", list);
            }
            var index = await LoadAsync(context, context.Get(files) ?? [], ct);
            if (index is null) return ExitCodes.Failure;
            var source = index.Resolve(context.Get(from)!);
            if (source is null) return context.Fail($"--from {context.Get(from)}: no such pod (use NAMESPACE/POD or an IP address)");
            var destination = index.Resolve(context.Get(to)!);
            if (destination is null) return context.Fail($"--to {context.Get(to)}: no such pod (use NAMESPACE/POD or an IP address)");
            var verdict = index.Decide(source.Value, destination.Value, number, protocol, request);
            context.Out.Write(VerdictText.Explain(index, verdict, request));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static bool TryParsePort(string text, out int port, out L4Protocol protocol)
    {
        protocol = L4Protocol.TCP;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var number = slash < 0 ? text : text[..slash];
        if (!int.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535) return false;
        return slash < 0 || (text.Length > slash + 1 && L4Protocols.TryParse(text[(slash + 1)..], out protocol));
    }

    /// <summary>Compiles the -f manifests, or what the control plane holds when there are none; null after printing why not.</summary>
    private static async Task<PolicyIndex?> LoadAsync(CliContext context, string[] files, CancellationToken ct)
    {
        if (files.Length > 0)
        {
            var result = ManifestInput.Read(context.Env, files, namespaceOverride: null);
            if (!result.Ok)
            {
                ManifestInput.PrintErrors(context, result, "; nothing was evaluated");
                return null;
            }
            return PolicyCompiler.Compile(result.Resources);
        }
        using var client = context.Connect();
        if (client is null) return null;
        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        var kinds = new[] { ResourceKinds.Namespace, ResourceKinds.Pod, ResourceKinds.NetworkPolicy, ResourceKinds.FindByKind("HTTPNetworkPolicy") };
        foreach (var kind in kinds.OfType<ResourceKind>())
        {
            var list = await client.ListAsync(kind, null, null, ct);
            if (!list.Ok)
            {
                context.Fail(client, list.Error!);
                return null;
            }
            foreach (var item in list.Value!.Items)
            {
                if (ResourceDecoder.Decode(item).Object is { } obj) objects.Add(obj);
            }
        }
        return PolicyCompiler.Compile(objects);
    }
}
