using System.CommandLine;
using System.Net;
using Switchyard.Proxy;

namespace Switchyard.Cli.Commands.Gateway;

/// <summary>
/// <c>switchyard gateway serve -f PATH... [--admin HOST:PORT] [--ingress-http HOST:PORT] [--ingress-https HOST:PORT] [--ingress-proxy-protocol] [--ingress-x-forwarded-for-trusted-cidrs CIDRS | --ingress-x-forwarded-for-trusted-hops N] [--access-log]
/// [--tls-idle-timeout DURATION] [--external-auth-timeout DURATION]</c>: serves the
/// Gateways (of GatewayClasses with controllerName switchyard.dev/gateway-controller), ListenerSets, HTTPRoutes, GRPCRoutes, TLSRoutes and Ingresses in
/// manifest files, with no control plane, using the EndpointSlices in the files as given.
/// </summary>
internal static class GatewayCommand
{
    private const string EventLoop = "event-loop";
    private const string ThreadPool = "thread-pool";

    public static Command Build(CommandSetup setup)
    {
        var command = new Command("gateway", "Gateway API and Ingress proxy tools.");
        command.Subcommands.Add(BuildServe(setup));
        return command;
    }

    private static Command BuildServe(CommandSetup setup)
    {
        var files = FileOptions.Files("Manifests holding the GatewayClasses, Gateways, ListenerSets, HTTPRoutes, GRPCRoutes, TLSRoutes, Ingresses, Services, EndpointSlices and Secrets to serve; repeatable", required: true);
        var admin = new Option<string?>("--admin") { Description = "Serve /metrics, /ready and /config at http://HOST:PORT", HelpName = "HOST:PORT" };
        var ingressHttp = new Option<string?>("--ingress-http") { Description = "Serve Ingresses (class switchyard or none) over HTTP at HOST:PORT", HelpName = "HOST:PORT" };
        var ingressHttps = new Option<string?>("--ingress-https") { Description = "Serve Ingresses over HTTPS at HOST:PORT, with the certificates of their spec.tls Secrets chosen by SNI", HelpName = "HOST:PORT" };
        var ingressProxyProtocol = new Option<bool>("--ingress-proxy-protocol")
        {
            Description = "The Ingress listeners accept only connections that start with a PROXY protocol header (v1 or v2, as an L4 load balancer in front sends it); "
                + "its address is the client's (X-Forwarded-For, access log, source-IP hashing). Gateways set this with the annotation gateway.switchyard.dev/proxy-protocol: \"true\"",
        };
        var ingressTrusted = new Option<string?>("--ingress-x-forwarded-for-trusted-cidrs")
        {
            Description = "The Ingress listeners take the client's address from X-Forwarded-For on connections from these proxies (an L7 load balancer or CDN in front), "
                + "comma-separated CIDRs: the first address not in them, read from the right (all of them: the leftmost), is the client's "
                + "(authorization clientCIDRs, access log, source-IP hashing); the header still gets the peer appended. Gateways set this with the annotation "
                + "gateway.switchyard.dev/x-forwarded-for-trusted-cidrs",
            HelpName = "CIDRS",
        };
        var ingressHops = new Option<string?>("--ingress-x-forwarded-for-trusted-hops")
        {
            Description = "The Ingress listeners take the client's address from X-Forwarded-For as Envoy's xff_num_trusted_hops does: N proxies in front "
                + $"(1-{Model.Gateway.ForwardedForAnnotations.MaxHops}) each append to it, so the Nth address from the right is the client's "
                + "(authorization clientCIDRs, access log, source-IP hashing); a header with fewer addresses leaves the client the peer. Read on every "
                + "connection: only for listeners that nothing but those proxies can reach. Not with --ingress-x-forwarded-for-trusted-cidrs; the header "
                + "still gets the peer appended. Gateways set this with the annotation gateway.switchyard.dev/x-forwarded-for-trusted-hops",
            HelpName = "N",
        };
        var accessLog = new Option<bool>("--access-log") { Description = "Write a JSON access log line per request on stderr" };
        var tlsIdleTimeout = new Option<string?>("--tls-idle-timeout")
        {
            Description = "Close a connection relayed for a TLSRoute (Passthrough or Terminate) that carries no byte either way for this long; "
                + "a Gateway API duration (30s, 5m, 1h30m); default 1h",
            HelpName = "DURATION",
        };
        var externalAuthTimeout = new Option<string?>("--external-auth-timeout")
        {
            Description = "How long one exchange with the authorization service of an ExternalAuth filter may take before the request is answered 504 "
                + "(the rule's timeouts.request when that is shorter); a Gateway API duration (500ms, 2s); default 10s",
            HelpName = "DURATION",
        };
        var io = new Option<string>("--io")
        {
            Description = "event-loop: run both legs of every request on the proxy's own epoll loops, one per core (the default); "
                + "thread-pool: Kestrel's socket transport and .NET sockets, with requests processed on the .NET thread pool",
            DefaultValueFactory = _ => EventLoop,
            HelpName = "event-loop|thread-pool",
        };
        io.AcceptOnlyFromAmong(EventLoop, ThreadPool);
        var command = new Command("serve", "Serve the Gateways, ListenerSets, HTTPRoutes, GRPCRoutes, TLSRoutes and Ingresses in the given manifests until Ctrl-C; listeners bind to each Gateway's spec.addresses (IPAddress) or 127.0.0.1.")
        {
            files, admin, ingressHttp, ingressHttps, ingressProxyProtocol, ingressTrusted, ingressHops, accessLog, io, tlsIdleTimeout, externalAuthTimeout,
        };
        setup.Examples(command,
            "switchyard gateway serve -f examples/gateway/",
            "switchyard gateway serve -f site.yaml --admin 127.0.0.1:9901 --ingress-http 127.0.0.1:8080 --access-log",
            "switchyard gateway serve -f site.yaml --ingress-http 127.0.0.1:8080 --ingress-proxy-protocol",
            "switchyard gateway serve -f site.yaml --ingress-http 127.0.0.1:8080 --ingress-x-forwarded-for-trusted-cidrs '10.0.0.0/8, 2001:db8::/32'",
            "switchyard gateway serve -f site.yaml --ingress-http 127.0.0.1:8080 --ingress-x-forwarded-for-trusted-hops 2",
            "switchyard gateway serve -f site.yaml --tls-idle-timeout 10m --external-auth-timeout 2s",
            "curl -H 'Host: shop.example.com' http://127.0.0.1:8080/cart");
        setup.SetAction(command, async (context, ct) =>
        {
            var errors = new List<string>();
            var options = Options(new ServeFlags(context.Get(admin), context.Get(ingressHttp), context.Get(ingressHttps), context.Get(ingressProxyProtocol),
                context.Get(accessLog) ? context.Error : null, context.Get(io) ?? EventLoop, context.Get(tlsIdleTimeout), context.Get(externalAuthTimeout),
                context.Get(ingressTrusted), context.Get(ingressHops)), errors);
            if (errors.Count > 0) return context.Usage(string.Join("\n", errors));

            var manifests = ManifestInput.Read(context.Env, context.Get(files) ?? [], namespaceOverride: null);
            if (!manifests.Ok) return ManifestInput.PrintErrors(context, manifests, "; nothing is served");

            using var stop = new ForegroundStop(context.Env, ct);
            await using var proxy = GatewayProxy.FromObjects(options, manifests.Resources);
            try
            {
                await proxy.StartAsync(stop.Token);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                return context.Fail($"cannot listen on {options.Admin}: {e.Message} — pick another address with --admin HOST:PORT");
            }
            foreach (var warning in proxy.Warnings) context.Error.WriteLine($"{context.Colors.Yellow("warning:")} {warning}");
            if (proxy.Listeners.Count == 0) context.Error.WriteLine("No listeners: the manifests hold no Gateway of a GatewayClass with controllerName switchyard.dev/gateway-controller, and neither --ingress-http nor --ingress-https is set.");
            foreach (var (configured, bound) in proxy.Listeners.OrderBy(l => l.Value.Port)) context.Out.WriteLine($"Listening: {proxy.Scheme(configured)}://{bound}");
            foreach (var (obj, status) in proxy.Statuses) context.Out.WriteLine($"{obj.Kind} {obj.Metadata.NamespaceProperty}/{obj.Metadata.Name}: {Summary(status)}");
            if (proxy.AdminUrl is { } url) context.Out.WriteLine($"Admin: {url}metrics");
            await context.Out.FlushAsync(CancellationToken.None);
            await stop.WaitAsync();
            context.Out.WriteLine("Stopped.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Summary(object status) => status switch
    {
        Model.Gateway.GatewayStatus g => string.Join(", ", (g.Conditions ?? []).Select(c => $"{c.Type}={c.Status} ({c.Reason})"))
            + "; " + string.Join(", ", (g.Listeners ?? []).Select(l => $"listener {l.Name}: {l.AttachedRoutes} routes"
                + string.Concat((l.Conditions ?? []).Where(c => c.Status != "True").Select(c => $", {c.Type}=False ({c.Reason}: {c.Message})"))))
            + (g.AttachedListenerSets is > 0 and var sets ? $"; {sets} ListenerSet(s) attached" : ""),
        Model.Gateway.ListenerSetStatus s => string.Join(", ", (s.Conditions ?? []).Select(c => c.Status == "True" ? $"{c.Type}" : $"{c.Type}=False ({c.Reason}: {c.Message})"))
            + string.Concat((s.Listeners ?? []).Select(l => $"; listener {l.Name}: {l.AttachedRoutes} routes"
                + string.Concat((l.Conditions ?? []).Where(c => c.Type == "Conflicted" ? c.Status == "True" : c.Status != "True").Select(c => $", {c.Type}={c.Status} ({c.Reason}: {c.Message})")))),
        Model.Gateway.HTTPRouteStatus r => Parents(r.Parents),
        Model.Gateway.GRPCRouteStatus r => Parents(r.Parents),
        Model.Gateway.TLSRouteStatus r => Parents(r.Parents),
        Model.Gateway.PolicyStatus p => string.Join("; ", (p.Ancestors ?? []).Select(a => $"gateway {a.AncestorRef.Name}: " +
            string.Join(", ", (a.Conditions ?? []).Select(c => c.Status == "True" ? $"{c.Type}" : $"{c.Type}=False ({c.Reason}: {c.Message})")))),
        _ => "",
    };

    private static string Parents(IList<Model.Gateway.RouteParentStatus>? parents) => string.Join("; ", (parents ?? []).Select(p =>
        $"parent {(p.ParentRef.Kind is "ListenerSet" ? "listenerset " : "")}{p.ParentRef.Name}{(p.ParentRef.SectionName is null ? "" : "/" + p.ParentRef.SectionName)}: " +
        string.Join(", ", (p.Conditions ?? []).Select(c => c.Status == "True" ? $"{c.Type}" : $"{c.Type}=False ({c.Reason}: {c.Message})"))));

    /// <summary>The flags of <c>gateway serve</c> as typed, before parsing.</summary>
    internal sealed record ServeFlags(string? Admin, string? IngressHttp, string? IngressHttps, bool IngressProxyProtocol, TextWriter? AccessLog, string Io,
        string? TlsIdleTimeout = null, string? ExternalAuthTimeout = null, string? IngressXForwardedForTrustedCidrs = null,
        string? IngressXForwardedForTrustedHops = null);

    /// <summary>The proxy's options from <paramref name="flags"/>; every problem (each naming its flag) goes to <paramref name="errors"/>, none stopping at the first.</summary>
    internal static ProxyOptions Options(ServeFlags flags, List<string> errors)
    {
        var defaults = new ProxyOptions();
        var options = new ProxyOptions
        {
            Admin = Endpoint(flags.Admin, "--admin", errors),
            IngressHttp = Endpoint(flags.IngressHttp, "--ingress-http", errors),
            IngressHttps = Endpoint(flags.IngressHttps, "--ingress-https", errors),
            IngressProxyProtocol = flags.IngressProxyProtocol,
            IngressXForwardedForTrustedCidrs = TrustedCidrs(flags.IngressXForwardedForTrustedCidrs, errors),
            IngressXForwardedForTrustedHops = TrustedHops(flags.IngressXForwardedForTrustedHops, errors),
            AccessLog = flags.AccessLog,
            Io = flags.Io == EventLoop ? ProxyIo.EventLoop : ProxyIo.ThreadPool,
            TlsIdleTimeout = Duration(flags.TlsIdleTimeout, "--tls-idle-timeout", errors) ?? defaults.TlsIdleTimeout,
            ExternalAuthTimeout = Duration(flags.ExternalAuthTimeout, "--external-auth-timeout", errors) ?? defaults.ExternalAuthTimeout,
        };
        errors.AddRange(options.Validate());
        return options;
    }

    /// <summary>The CIDRs of --ingress-x-forwarded-for-trusted-cidrs, parsed as the Gateway annotation is; every bad entry is an error.</summary>
    private static IReadOnlyList<Model.Networking.IpPrefix> TrustedCidrs(string? text, List<string> errors)
    {
        if (text is null) return [];
        var problems = new List<(string Entry, string Problem)>();
        var cidrs = Model.Gateway.ForwardedForAnnotations.Parse(text, problems);
        foreach (var (entry, problem) in problems) errors.Add($"--ingress-x-forwarded-for-trusted-cidrs: '{entry}': {problem}");
        return cidrs ?? [];
    }

    /// <summary>The number of --ingress-x-forwarded-for-trusted-hops, parsed as the Gateway annotation is; 0 (none) when absent or bad (then an error).</summary>
    private static int TrustedHops(string? text, List<string> errors)
    {
        if (text is null) return 0;
        if (Model.Gateway.ForwardedForAnnotations.ParseHops(text, out var problem) is { } hops) return hops;
        errors.Add($"--ingress-x-forwarded-for-trusted-hops: '{text}': {problem}");
        return 0;
    }

    /// <summary>A positive Gateway API duration, or null (the default applies) when absent or invalid; an invalid one is added to <paramref name="errors"/>.</summary>
    private static TimeSpan? Duration(string? text, string option, List<string> errors)
    {
        if (text is null) return null;
        if (Model.Gateway.GatewayApiDuration.Parse(text) is not { } value)
        {
            errors.Add($"{option}: '{text}' is not a duration (one to four parts of up to 5 digits followed by h, m, s or ms, e.g. 30s, 500ms, 1h30m)");
            return null;
        }
        if (value > TimeSpan.Zero) return value;
        errors.Add($"{option}: '{text}' must be longer than 0");
        return null;
    }

    private static IPEndPoint? Endpoint(string? text, string option, List<string> errors)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (IPEndPoint.TryParse(text, out var ep) && text.Contains(':', StringComparison.Ordinal)) return ep;
        errors.Add($"{option}: '{text}' is not HOST:PORT with an IP address (e.g. 127.0.0.1:8080)");
        return null;
    }
}
