using System.CommandLine;
using Switchyard.Proxy;

namespace Switchyard.Cli.Commands.Gateway;

/// <summary>
/// <c>switchyard gateway serve -f PATH... [--admin HOST:PORT] [--ingress-http HOST:PORT] [--ingress-https HOST:PORT] [--ingress-proxy-protocol] [--ingress-x-forwarded-for-trusted-cidrs CIDRS | --ingress-x-forwarded-for-trusted-hops N] [--access-log]
/// [--tls-idle-timeout DURATION] [--udp-idle-timeout DURATION] [--external-auth-timeout DURATION] [--session-key-secret NAMESPACE/NAME] [--watch]</c>: serves the
/// Gateways (of GatewayClasses with controllerName switchyard.dev/gateway-controller), ListenerSets, HTTPRoutes, GRPCRoutes, TLSRoutes, TCPRoutes, UDPRoutes and Ingresses in
/// manifest files, with no control plane, using the EndpointSlices in the files as given, and reads them again on SIGHUP
/// and (with --watch) when they change (<see cref="ManifestReloads"/>). The gateway flags are
/// <see cref="GatewayFlags"/>, shared with <c>switchyard up</c>.
/// </summary>
internal static class GatewayCommand
{
    public static Command Build(CommandSetup setup)
    {
        var command = new Command("gateway", "Gateway API and Ingress proxy tools.");
        command.Subcommands.Add(BuildServe(setup));
        return command;
    }

    private static Command BuildServe(CommandSetup setup)
    {
        var files = FileOptions.Files("Manifests holding the GatewayClasses, Gateways, ListenerSets, HTTPRoutes, GRPCRoutes, TLSRoutes, TCPRoutes, UDPRoutes, Ingresses, Services, EndpointSlices and Secrets to serve; repeatable", required: true);
        var gateway = GatewayFlags.ForServe();
        var watch = new Option<bool>("--watch")
        {
            Description = "Read the manifests again when a file or directory given with -f changes, as on SIGHUP; what reads without error is served "
                + "from then on (requests in flight finish as they started), anything else is printed and the previous version goes on serving",
        };
        var command = new Command("serve", "Serve the Gateways, ListenerSets, HTTPRoutes, GRPCRoutes, TLSRoutes, TCPRoutes, UDPRoutes and Ingresses in the given manifests until Ctrl-C; "
            + "listeners bind to each Gateway's spec.addresses (IPAddress) or 127.0.0.1. SIGHUP (or, with --watch, a change of the files) reads the manifests again.")
        {
            files,
            watch,
        };
        foreach (var option in gateway.All) command.Options.Add(option);
        setup.Examples(command,
            "switchyard gateway serve -f examples/foundation/60-gateway.yaml",
            "switchyard gateway serve -f site.yaml --admin 127.0.0.1:9901 --ingress-http 127.0.0.1:8080 --access-log",
            "switchyard gateway serve -f site.yaml --ingress-http 127.0.0.1:8080 --ingress-proxy-protocol",
            "switchyard gateway serve -f site.yaml --ingress-http 127.0.0.1:8080 --ingress-x-forwarded-for-trusted-cidrs '10.0.0.0/8, 2001:db8::/32'",
            "switchyard gateway serve -f site.yaml --ingress-http 127.0.0.1:8080 --ingress-x-forwarded-for-trusted-hops 2",
            "switchyard gateway serve -f site.yaml --tls-idle-timeout 10m --external-auth-timeout 2s",
            "switchyard gateway serve -f site/ --watch          # serve each saved change of site/",
            "kill -HUP $(pgrep -f 'switchyard gateway serve')   # read the manifests again (pods of up run the same binary: name this process)",
            "curl -H 'Host: shop.example.com' http://127.0.0.1:8080/cart");
        setup.SetAction(command, async (context, ct) =>
        {
            var errors = new List<string>();
            var options = gateway.Options(gateway.Read(context), errors);
            if (errors.Count > 0) return context.Usage(string.Join("\n", errors));

            var paths = context.Get(files) ?? [];
            if (context.Get(watch) && paths.Contains("-")) return context.Usage($"{watch.Name}: manifests read from stdin (-f -) cannot be read again; give files or directories");
            // Before the first read: a change or a SIGHUP from now on reloads once the gateway serves, and is never lost.
            // Disposed after the proxy: a SIGHUP while it drains its listeners does not end the process.
            using var reloads = Reloads(context, paths, context.Get(watch), out var watchError);
            if (reloads is null) return context.Fail($"{watch.Name}: {watchError}");
            var manifests = ManifestInput.Read(context.Env, paths, namespaceOverride: null);
            if (!manifests.Ok) return ManifestInput.PrintErrors(context, manifests, "; nothing is served");

            using var stop = new ForegroundStop(context.Env, ct);
            await using var proxy = GatewayProxy.FromObjects(options, manifests.Resources);
            try
            {
                await proxy.StartAsync(stop.Token);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                return context.Fail($"cannot listen on {options.Admin}: {e.Message} — pick another address with {gateway.Admin.Name} HOST:PORT");
            }
            Report(context, proxy);
            if (proxy.AdminUrl is { } url) context.Out.WriteLine($"Admin: {url}metrics");
            await context.Out.FlushAsync(CancellationToken.None);
            await reloads.RunAsync(async () =>
            {
                var applying = false;
                try
                {
                    var again = ManifestInput.Read(context.Env, paths, namespaceOverride: null);
                    if (!again.Ok)
                    {
                        ManifestInput.PrintErrors(context, again, "; still serving the previous version");
                        return;
                    }
                    // An empty read, or one without a Gateway or Ingress, is most often a file caught emptied or cut short
                    // mid-write (a shell redirect, an editor): serving it would close every listener. To stop serving,
                    // stop the gateway.
                    if (again.Objects.Count == 0)
                    {
                        context.Error.WriteLine($"{context.Colors.Red("error:")} the manifests hold no objects now (a file emptied or caught mid-write?); still serving the previous version");
                        return;
                    }
                    if (proxy.Listeners.Count > 0 && !again.Resources.Any(o => o is Switchyard.Model.Gateway.Gateway or k8s.Models.V1Ingress))
                    {
                        context.Error.WriteLine($"{context.Colors.Red("error:")} the manifests hold no Gateway or Ingress now (a file cut short mid-write?); still serving the previous version");
                        return;
                    }
                    applying = true;
                    await proxy.ReloadAsync(again.Resources, stop.Token);
                    context.Out.WriteLine($"Reloaded: {again.Objects.Count} objects");
                    Report(context, proxy);
                    await context.Out.FlushAsync(CancellationToken.None);
                }
                catch (Exception e) when (!stop.Token.IsCancellationRequested)
                {
                    context.Error.WriteLine($"{context.Colors.Red("error:")} reload failed: {e.Message}; "
                        + (applying ? "what is served may be partly the new version" : "still serving the previous version"));
                }
            }, stop.Token);
            context.Out.WriteLine("Stopped.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The reloads of <c>gateway serve</c>; null, with the reason, when a path cannot be watched.</summary>
    private static ManifestReloads? Reloads(CliContext context, IReadOnlyList<string> paths, bool watch, out string? error)
    {
        error = null;
        try
        {
            var warning = context.Colors.Yellow("warning:");
            return new ManifestReloads(context.Env, paths, watch, context.Env.CurrentDirectory,
                () => context.Error.WriteLine($"{warning} SIGHUP: the manifests came from stdin (-f -) and cannot be read again; still serving them"),
                message => context.Error.WriteLine($"{warning} {message}"));
        }
        catch (IOException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>What is served now: the warnings (stderr), the listeners and every status (stdout).</summary>
    private static void Report(CliContext context, GatewayProxy proxy)
    {
        foreach (var warning in proxy.Warnings) context.Error.WriteLine($"{context.Colors.Yellow("warning:")} {warning}");
        if (proxy.Listeners.Count == 0)
        {
            context.Error.WriteLine(proxy.UnboundListeners.Count > 0
                ? "No listeners: no listener address could be bound (see the warnings above)."
                : "No listeners: the manifests hold no Gateway of a GatewayClass with controllerName switchyard.dev/gateway-controller, and neither --ingress-http nor --ingress-https is set.");
        }
        foreach (var (configured, bound) in proxy.Listeners.OrderBy(l => l.Value.Port)) context.Out.WriteLine($"Listening: {proxy.Scheme(configured)}://{bound}");
        foreach (var (obj, status) in proxy.Statuses)
        {
            var name = obj.Metadata.NamespaceProperty is { } ns ? $"{ns}/{obj.Metadata.Name}" : obj.Metadata.Name; // a GatewayClass has no namespace
            context.Out.WriteLine($"{obj.Kind} {name}: {Summary(status)}");
        }
    }

    private static string Summary(object status) => status switch
    {
        Model.Gateway.GatewayClassStatus c => string.Join(", ", (c.Conditions ?? []).Select(x => x.Status == "True" ? $"{x.Type}" : $"{x.Type}=False ({x.Reason}: {x.Message})")),
        Model.Gateway.GatewayStatus g => string.Join(", ", (g.Conditions ?? []).Select(c => $"{c.Type}={c.Status} ({c.Reason})"))
            + "; " + string.Join(", ", (g.Listeners ?? []).Select(l => $"listener {l.Name}: {Routes(l.AttachedRoutes)}"
                + string.Concat((l.Conditions ?? []).Where(c => c.Status != "True").Select(c => $", {c.Type}=False ({c.Reason}: {c.Message})"))))
            + (g.AttachedListenerSets is > 0 and var sets ? $"; {sets} ListenerSet(s) attached" : ""),
        Model.Gateway.ListenerSetStatus s => string.Join(", ", (s.Conditions ?? []).Select(c => c.Status == "True" ? $"{c.Type}" : $"{c.Type}=False ({c.Reason}: {c.Message})"))
            + string.Concat((s.Listeners ?? []).Select(l => $"; listener {l.Name}: {Routes(l.AttachedRoutes)}"
                + string.Concat((l.Conditions ?? []).Where(c => c.Type == "Conflicted" ? c.Status == "True" : c.Status != "True").Select(c => $", {c.Type}={c.Status} ({c.Reason}: {c.Message})")))),
        Model.Gateway.HTTPRouteStatus r => Parents(r.Parents),
        Model.Gateway.GRPCRouteStatus r => Parents(r.Parents),
        Model.Gateway.TLSRouteStatus r => Parents(r.Parents),
        Model.Gateway.TCPRouteStatus r => Parents(r.Parents),
        Model.Gateway.UDPRouteStatus r => Parents(r.Parents),
        Model.Gateway.PolicyStatus p => string.Join("; ", (p.Ancestors ?? []).Select(a => $"gateway {a.AncestorRef.Name}: " +
            string.Join(", ", (a.Conditions ?? []).Select(c => c.Status == "True" ? $"{c.Type}" : $"{c.Type}=False ({c.Reason}: {c.Message})")))),
        _ => "",
    };

    private static string Routes(int count) => count == 1 ? "1 route" : $"{count} routes";

    private static string Parents(IList<Model.Gateway.RouteParentStatus>? parents) => string.Join("; ", (parents ?? []).Select(p =>
        $"parent {(p.ParentRef.Kind is "ListenerSet" ? "listenerset " : "")}{p.ParentRef.Name}{(p.ParentRef.SectionName is null ? "" : "/" + p.ParentRef.SectionName)}: " +
        string.Join(", ", (p.Conditions ?? []).Select(c => c.Status != "True" ? $"{c.Type}=False ({c.Reason}: {c.Message})"
            : c.Type == "PartiallyInvalid" ? $"{c.Type} ({c.Reason}: {c.Message})" : c.Type))));
}
