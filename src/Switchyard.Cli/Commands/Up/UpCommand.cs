using System.CommandLine;
using System.Net;
using Switchyard.Cli.Client;
using Switchyard.Cli.Output;
using Switchyard.Control;
using Switchyard.Cli.Commands.Dns;
using Switchyard.Cli.Commands.Gateway;
using Switchyard.Control.Apply;
using Switchyard.Dns;
using Switchyard.Dns.Forwarding;
using Switchyard.Model.Manifests;
using Switchyard.Model.Resources;

namespace Switchyard.Cli.Commands.Up;

/// <summary>
/// <c>switchyard up</c>: runs a control plane in the foreground (store, controllers, API server),
/// applies the given manifests, records where it listens for the other commands, and stops cleanly
/// on Ctrl-C or SIGTERM.
/// </summary>
internal static class UpCommand
{
    public static Command Build(CommandSetup setup)
    {
        var files = FileOptions.Files("Manifests to apply once the control plane is up (file, directory or -); repeatable", required: false);
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep objects in memory only, discarded on exit (the token still goes to the state directory)" };
        var api = new Option<string>("--api")
        {
            Description = "Address the API server listens on, HOST:PORT (port 0 picks a free one)",
            HelpName = "HOST:PORT",
            DefaultValueFactory = _ => "127.0.0.1:7443",
        };
        var dns = new Option<string>("--dns")
        {
            Description = "Address the cluster DNS server listens on (UDP and TCP), HOST:PORT, or 'off'",
            HelpName = "HOST:PORT",
            DefaultValueFactory = _ => "127.0.0.1:10053",
        };
        var dnsUpstream = new Option<string[]>("--dns-upstream")
        {
            Description = "Resolver for names outside the cluster zone: IP, IP:PORT or a resolv.conf path; repeatable. Default: the nameservers of /etc/resolv.conf; 'none' answers such queries REFUSED",
            HelpName = "ADDR",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow --api on a non-loopback address (anyone who can reach it and has the token controls the cluster)" };
        var gateway = GatewayFlags.ForUp();
        var command = new Command("up", "Run a local Switchyard cluster in the foreground: the SQLite store in the state directory (default $SWITCHYARD_STATE_DIR or ./.switchyard), the API server, the controllers, the cluster DNS, the runtime that runs pods as local processes, the node proxy for Service cluster IPs and the gateway (Gateways always; Ingresses with --ingress-http/--ingress-https; its /metrics with --gateway-admin, which is not the API server). Applies the given manifests first; stops on Ctrl-C or SIGTERM, stopping every pod.")
        {
            files, inMemory, api, dns, dnsUpstream, allowRemote,
        };
        foreach (var option in gateway.All) command.Options.Add(option);
        setup.Examples(command,
            "switchyard up",
            "switchyard up -f examples/quickstart",
            "switchyard up --state-dir /tmp/sy --api 127.0.0.1:8443",
            "switchyard up --in-memory -f demo.yaml",
            "switchyard up --dns 127.0.0.1:5353 --dns-upstream 127.0.0.1:53",
            "switchyard up -f shop.yaml --ingress-http 127.0.0.1:8080 --gateway-admin 127.0.0.1:9901 --gateway-access-log",
            "switchyard up --ingress-https 127.0.0.1:8443 --ingress-x-forwarded-for-trusted-cidrs 10.0.0.0/8 --tls-idle-timeout 10m --external-auth-timeout 2s");
        setup.SetAction(command, (context, ct) =>
        {
            var errors = new List<string>();
            if (!ControlPlaneOptions.TryParseListen(context.Get(api) ?? "", out var listen, out var error)) errors.Add(error!);
            else if (!IPAddress.IsLoopback(listen!.Address) && !context.Get(allowRemote))
            {
                errors.Add($"--api {context.Get(api)} is not a loopback address; add --allow-remote to serve the API to other hosts");
            }
            var dnsOptions = ParseDns(context, context.Get(dns) ?? "", context.Get(dnsUpstream) ?? [], errors);
            var proxyOptions = gateway.Options(gateway.Read(context), errors);
            SharedAddresses(errors, [("--api", listen), ("--dns", dnsOptions?.Listen)],
                [(gateway.Admin.Name, proxyOptions.Admin), (gateway.IngressHttp.Name, proxyOptions.IngressHttp), (gateway.IngressHttps.Name, proxyOptions.IngressHttps)]);
            if (errors.Count > 0) return Task.FromResult(context.Usage(string.Join("\n", errors)));

            var stateDir = context.Get(setup.Globals.StateDir) is { Length: > 0 } flag ? flag
                : context.Env.GetVariable("SWITCHYARD_STATE_DIR") is { Length: > 0 } fromEnv ? fromEnv
                : TargetResolver.DefaultStateDir;
            var settings = new UpSettings(context.Env.FullPath(stateDir), context.Get(inMemory), listen!);
            // A Gateway stored with up's own address would take it before the server that owns it starts (and up would not
            // start). Port 0 picks a free port: no Gateway can name that one in advance.
            var reserved = new Dictionary<IPEndPoint, string>();
            if (listen!.Port != 0) reserved[listen] = "the API server (--api)";
            if (dnsOptions?.Listen is { Port: not 0 } dnsAt) reserved.TryAdd(dnsAt, "the cluster DNS (--dns)");
            if (reserved.Count > 0) proxyOptions = proxyOptions with { ReservedAddresses = reserved };
            var components = ClusterComposition.DefaultComponents(dnsOptions, proxyOptions);
            return RunAsync(context, settings, components, context.Get(files) ?? [], ct);
        });
        return command;
    }

    /// <summary>
    /// The API server, the DNS server (TCP) and the gateway listen on TCP: two of them on one address with a fixed port
    /// cannot both bind, so each such pair is an error naming both flags. Pairs within the gateway are checked by
    /// <see cref="GatewayFlags.Options"/>.
    /// </summary>
    private static void SharedAddresses(List<string> errors, (string Flag, IPEndPoint? Address)[] servers, (string Flag, IPEndPoint? Address)[] gateway)
    {
        for (var i = 0; i < servers.Length; i++)
        {
            foreach (var other in servers.Skip(i + 1).Concat(gateway))
            {
                if (servers[i].Address is { Port: > 0 } a && a.Equals(other.Address)) errors.Add($"{other.Flag}: {a} is also the {servers[i].Flag} address; use another port");
            }
        }
    }

    /// <summary>The DNS server's options from --dns and --dns-upstream, or null for --dns off.</summary>
    private static DnsOptions? ParseDns(CliContext context, string listen, string[] upstreams, List<string> errors)
    {
        if (listen.Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!DnsEndpoints.TryParse(listen, 53, out var listenAt, out var error)) errors.Add($"--dns: {error}");
        var servers = upstreams is ["none"] ? []
            : upstreams.Length > 0 ? DnsUpstreams.Parse(context.Env, upstreams, "--dns-upstream", errors)
            : File.Exists("/etc/resolv.conf") ? [.. ResolvConf.Load("/etc/resolv.conf")] : [];
        var options = new DnsOptions { Listen = listenAt ?? DnsOptions.DefaultListen, Upstreams = servers };
        errors.AddRange(options.Validate().Select(e => $"--dns: {e}"));
        return options;
    }

    private static async Task<int> RunAsync(CliContext context, UpSettings settings, IReadOnlyList<IUpComponent> components, string[] files, CancellationToken cancellationToken)
    {
        // Read everything before starting anything: a bad manifest means no control plane at all.
        ManifestReadResult? manifests = null;
        if (files.Length > 0)
        {
            manifests = ManifestInput.Read(context.Env, files, namespaceOverride: null);
            if (!manifests.Ok) return ManifestInput.PrintErrors(context, manifests, "; the control plane was not started");
        }

        using var stop = new ForegroundStop(context.Env, cancellationToken, stopOnHangup: true);

        // The API server binds last, after the components started the pods: a taken --api address is found first, so
        // up fails at once instead of starting pods only to stop them.
        if (TakenAddress(settings.Listen) is { } taken)
            return context.Fail($"--api {settings.Listen}: cannot listen: {taken} (is another `switchyard up` running? Pick another address with --api HOST:PORT)");

        RunningCluster cluster;
        try
        {
            cluster = await ClusterComposition.StartAsync(settings, components, context.Env.LoggerFactory, stop.Token);
        }
        catch (UpComponentException e)
        {
            return context.Fail($"{e.Message}\nthe control plane stopped before running any pod");
        }
        catch (IOException e) when (BindFailure.SocketCause(e) is { } socket)
        {
            // Kestrel could not bind the API address (the components' own addresses fail as UpComponentException).
            return context.Fail($"--api {settings.Listen}: cannot listen: {socket.Message} (is another `switchyard up` running? Pick another address with --api HOST:PORT)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return context.Fail($"cannot start the control plane in {settings.StateDirectory}: {e.Message}");
        }

        await using (cluster)
        {
            if (manifests is not null && !await ApplyAsync(context, cluster, manifests, stop.Token)) return ExitCodes.Failure;
            PrintSummary(context, cluster, manifests);
            var token = cluster.Server.TokenPath ?? ControlPlaneToken.PathIn(settings.StateDirectory);
            new CurrentContext(cluster.Server.Url.GetLeftPart(UriPartial.Authority), token, settings.StateDirectory).Write(context.Env.ConfigDirectory);
            await context.Out.FlushAsync(CancellationToken.None);

            await stop.WaitAsync();
            context.Out.WriteLine("Shutting down...");
        }
        context.Out.WriteLine("Stopped.");
        return ExitCodes.Ok;
    }

    /// <summary>Why <paramref name="address"/> cannot be listened on now; null when it can (the probe socket is closed again).</summary>
    private static string? TakenAddress(IPEndPoint address)
    {
        try
        {
            using var probe = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            probe.Bind(address);
            probe.Listen(1);
            return null;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            return e.Message;
        }
    }

    private static async Task<bool> ApplyAsync(CliContext context, RunningCluster cluster, ManifestReadResult manifests, CancellationToken cancellationToken)
    {
        var objects = manifests.Resources.ToList();
        var result = await cluster.Server.ApplyService.ApplyAsync(objects, ApplyOptions.Default, cancellationToken);
        if (result.Ok)
        {
            foreach (var item in result.Items)
            {
                context.Out.WriteLine($"{ObjectNames.Qualified(item.Ref.Kind, item.Ref.Name)} {item.Action.ToString().ToLowerInvariant()}");
            }
            return true;
        }
        var where = manifests.Objects.Where(o => o.Object is not null)
            .GroupBy(o => ObjectRef.Of(o.Object!)).ToDictionary(g => g.Key, g => g.First());
        var count = 0;
        foreach (var objectErrors in result.Errors)
        {
            var location = where.TryGetValue(objectErrors.Ref, out var source) ? $"{source.Source}:{source.Line}: " : "";
            foreach (var error in objectErrors.Errors)
            {
                context.Error.WriteLine($"{location}{objectErrors.Ref}: {error}");
                count++;
            }
        }
        context.Fail($"{count} {(count == 1 ? "error" : "errors")} applying the manifests; nothing was applied and the control plane stopped");
        return false;
    }

    private static void PrintSummary(CliContext context, RunningCluster cluster, ManifestReadResult? manifests)
    {
        var c = context.Colors;
        var settings = cluster.Settings;
        var rows = new List<(string, string)>
        {
            ("API", c.Cyan(cluster.Server.Url.GetLeftPart(UriPartial.Authority))),
            ("State", settings.InMemory
                ? $"in memory (discarded on exit); state directory {settings.StateDirectory}"
                : Path.Combine(settings.StateDirectory, "state.db") + " (SQLite)"),
            ("Token", cluster.Server.TokenPath ?? "(in memory)"),
        };
        rows.AddRange(cluster.Summary);
        if (manifests is not null) rows.Add(("Applied", $"{manifests.Objects.Count} objects"));
        var width = rows.Max(r => r.Item1.Length) + 1;
        context.Out.WriteLine(c.Bold("Switchyard control plane is running."));
        foreach (var (label, value) in rows) context.Out.WriteLine($"  {(label + ":").PadRight(width)}  {value}");
        context.Out.WriteLine($"Try:   {c.Bold("switchyard get all")}   (other commands find this server via {CurrentContext.PathIn(context.Env.ConfigDirectory)})");
        context.Out.WriteLine("Stop:  Ctrl-C");
    }
}
