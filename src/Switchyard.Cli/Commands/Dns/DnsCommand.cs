using System.CommandLine;
using System.Net;
using Switchyard.Dns;
using Switchyard.Dns.Zone;

namespace Switchyard.Cli.Commands.Dns;

/// <summary>
/// <c>switchyard dns serve -f PATH... [--listen HOST:PORT] [--zone Z] [--upstream ADDR]...</c>: serves the cluster DNS
/// zone straight from manifest files, with no control plane (for CI and for trying things).
/// </summary>
internal static class DnsCommand
{
    public static Command Build(CommandSetup setup)
    {
        var command = new Command("dns", "Cluster DNS tools.");
        command.Subcommands.Add(BuildServe(setup));
        return command;
    }

    private static Command BuildServe(CommandSetup setup)
    {
        var files = FileOptions.Files("Manifests holding the Services, EndpointSlices and Pods to serve (file, directory or -); repeatable", required: true);
        var listen = new Option<string>("--listen")
        {
            Description = "Address for UDP and TCP, HOST:PORT (port 0 picks a free one; ports below 1024 need root)",
            HelpName = "HOST:PORT",
            DefaultValueFactory = _ => "127.0.0.1:10053",
        };
        var zone = new Option<string>("--zone") { Description = "Cluster domain", HelpName = "ZONE", DefaultValueFactory = _ => "cluster.local" };
        var ttl = new Option<uint>("--ttl") { Description = "TTL of zone records and negative answers, in seconds", DefaultValueFactory = _ => 5 };
        var upstream = new Option<string[]>("--upstream")
        {
            Description = "Resolver for names outside the zone: IP, IP:PORT, or a resolv.conf path (e.g. /etc/resolv.conf); repeatable. Without one (or with none, as up's --dns-upstream takes it), such queries are REFUSED",
            HelpName = "ADDR",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var podRecords = new Option<PodRecordsMode>("--pod-records") { Description = "Pod A records a-b-c-d.NS.pod.ZONE: disabled, insecure or verified", DefaultValueFactory = _ => PodRecordsMode.Disabled };
        var autopath = new Option<bool>("--autopath") { Description = "Complete the search path server-side for queries from known pod addresses" };
        var metrics = new Option<string?>("--metrics") { Description = "Serve Prometheus metrics at http://HOST:PORT/metrics", HelpName = "HOST:PORT" };
        var queryLog = new Option<bool>("--query-log") { Description = "Log every query as a JSON line on stderr" };
        var command = new Command("serve", "Serve the cluster DNS zone (Kubernetes DNS specification 1.1.0) for the Services, EndpointSlices and Pods in the given manifests, over UDP and TCP, until Ctrl-C.")
        {
            files, listen, zone, ttl, upstream, podRecords, autopath, metrics, queryLog,
        };
        setup.Examples(command,
            "switchyard dns serve -f examples/",
            "switchyard dns serve -f services.yaml --listen 127.0.0.1:5353 --upstream /etc/resolv.conf",
            "dig @127.0.0.1 -p 10053 web.default.svc.cluster.local");
        setup.SetAction(command, async (context, ct) =>
        {
            var errors = new List<string>();
            if (!DnsEndpoints.TryParse(context.Get(listen) ?? "", 53, out var listenAt, out var error)) errors.Add($"--listen: {error}");
            var upstreams = context.Get(upstream) is ["none"] ? [] : DnsUpstreams.Parse(context.Env, context.Get(upstream) ?? [], "--upstream", errors);
            IPEndPoint? metricsAt = null;
            if (context.Get(metrics) is { Length: > 0 } m && !DnsEndpoints.TryParse(m, 9153, out metricsAt, out var metricsError)) errors.Add($"--metrics: {metricsError}");
            var options = new DnsOptions
            {
                Listen = listenAt ?? DnsOptions.DefaultListen,
                Zone = new ZoneOptions { Zone = context.Get(zone) ?? "cluster.local", Ttl = context.Get(ttl), PodRecords = context.Get(podRecords) },
                Upstreams = upstreams,
                Autopath = context.Get(autopath),
                MetricsListen = metricsAt,
                QueryLog = context.Get(queryLog) ? context.Error : null,
            };
            errors.AddRange(options.Validate());
            if (errors.Count > 0) return context.Usage(string.Join("\n", errors));

            var manifests = ManifestInput.Read(context.Env, context.Get(files) ?? [], namespaceOverride: null);
            if (!manifests.Ok) return ManifestInput.PrintErrors(context, manifests, "; nothing is served");

            using var stop = new ForegroundStop(context.Env, ct, stopOnHangup: true);
            var dns = DnsComponent.FromObjects(options, manifests.Resources);
            try
            {
                await dns.StartAsync(stop.Token);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                await dns.DisposeAsync();
                return context.Fail($"cannot listen on {options.Listen}: {e.Message} — pick another address with --listen HOST:PORT");
            }
            await using (dns)
            {
                // The files are served as given, and nothing allocates cluster IPs here as up's API server does.
                foreach (var service in manifests.Resources.OfType<k8s.Models.V1Service>().Where(s => s.Spec?.Type != "ExternalName" && string.IsNullOrEmpty(s.Spec?.ClusterIP)))
                {
                    context.Error.WriteLine($"{context.Colors.Yellow("warning:")} service {service.Metadata.NamespaceProperty ?? "default"}/{service.Metadata.Name} has no spec.clusterIP in the files, "
                        + "so its name has no address record here (switchyard up allocates one; give one, or clusterIP: None for a headless Service)");
                }
                context.Out.WriteLine($"DNS: serving {options.Zone.Zone} ({dns.ZoneNames} names) on {dns.Endpoint} udp+tcp");
                context.Out.WriteLine(upstreams.Count > 0 ? $"Upstreams: {string.Join(", ", upstreams)}" : "Upstreams: none (names outside the zone are REFUSED)");
                if (dns.MetricsUrl is { } url) context.Out.WriteLine($"Metrics: {url}");
                await context.Out.FlushAsync(CancellationToken.None);
                await stop.WaitAsync();
            }
            context.Out.WriteLine("Stopped.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
