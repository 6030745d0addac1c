using System.CommandLine;
using System.Net;
using Switchyard.Proxy;

namespace Switchyard.Cli.Commands.Gateway;

/// <summary>
/// The gateway's process flags (what fills a <see cref="ProxyOptions"/>), defined and parsed once for the two commands
/// that run the gateway: <c>gateway serve</c> (<see cref="ForServe"/>) and <c>switchyard up</c> (<see cref="ForUp"/>).
/// Under <c>up</c>, three names carry a <c>gateway-</c> prefix because <c>up</c> runs more than the gateway:
/// <c>--admin</c> could be read as the API server's (whose token is admin.token), <c>--access-log</c> and <c>--io</c> as
/// every component's. The Ingress and timeout flags name what they are about and keep their names.
/// </summary>
internal sealed class GatewayFlags
{
    public const string EventLoop = "event-loop";
    public const string ThreadPool = "thread-pool";

    /// <summary>Under <c>up</c>: the gateway's admin address, access log and I/O model.</summary>
    public const string UpAdmin = "--gateway-admin", UpAccessLog = "--gateway-access-log", UpIo = "--gateway-io";

    private GatewayFlags(string admin, string accessLog, string io, string adminNote = "")
    {
        Admin = new Option<string?>(admin) { Description = "Serve the gateway's /metrics, /ready and /config at http://HOST:PORT" + adminNote, HelpName = "HOST:PORT" };
        IngressHttp = new Option<string?>("--ingress-http") { Description = "Serve Ingresses (class switchyard or none) over HTTP at HOST:PORT", HelpName = "HOST:PORT" };
        IngressHttps = new Option<string?>("--ingress-https") { Description = "Serve Ingresses over HTTPS at HOST:PORT, with the certificates of their spec.tls Secrets chosen by SNI", HelpName = "HOST:PORT" };
        IngressProxyProtocol = new Option<bool>("--ingress-proxy-protocol")
        {
            Description = "The Ingress listeners accept only connections that start with a PROXY protocol header (v1 or v2, as an L4 load balancer in front sends it); "
                + "its address is the client's (X-Forwarded-For, access log, source-IP hashing). Gateways set this with the annotation gateway.switchyard.dev/proxy-protocol: \"true\"",
        };
        IngressTrustedCidrs = new Option<string?>("--ingress-x-forwarded-for-trusted-cidrs")
        {
            Description = "The Ingress listeners take the client's address from X-Forwarded-For on connections from these proxies (an L7 load balancer or CDN in front), "
                + "comma-separated CIDRs: the first address not in them, read from the right (all of them: the leftmost), is the client's "
                + "(authorization clientCIDRs, access log, source-IP hashing); the header still gets the peer appended. Gateways set this with the annotation "
                + "gateway.switchyard.dev/x-forwarded-for-trusted-cidrs",
            HelpName = "CIDRS",
        };
        IngressTrustedHops = new Option<string?>("--ingress-x-forwarded-for-trusted-hops")
        {
            Description = "The Ingress listeners take the client's address from X-Forwarded-For as Envoy's xff_num_trusted_hops does: N proxies in front "
                + $"(1-{Model.Gateway.ForwardedForAnnotations.MaxHops}) each append to it, so the Nth address from the right is the client's "
                + "(authorization clientCIDRs, access log, source-IP hashing); a header with fewer addresses leaves the client the peer. Read on every "
                + "connection: only for listeners that nothing but those proxies can reach. Not with --ingress-x-forwarded-for-trusted-cidrs; the header "
                + "still gets the peer appended. Gateways set this with the annotation gateway.switchyard.dev/x-forwarded-for-trusted-hops",
            HelpName = "N",
        };
        ForwardedHeader = new Option<bool>("--forwarded-header")
        {
            Description = "Also send the RFC 7239 Forwarded header on every forwarded request: the client's elements kept, and one of the proxy's appended "
                + "(for= the peer, proto=, host=), as X-Forwarded-For is. Off by default: a client's Forwarded then passes untouched, as behind nginx or HAProxy",
        };
        AccessLog = new Option<bool>(accessLog) { Description = "Write a JSON access log line per request the gateway serves, on stderr" };
        Io = new Option<string?>(io)
        {
            Description = "How the gateway does socket I/O. event-loop: both legs of every request on the proxy's own epoll loops, one per core (the default); "
                + "thread-pool: Kestrel's socket transport and .NET sockets, with requests processed on the .NET thread pool",
            HelpName = "event-loop|thread-pool",
        };
        Io.CompletionSources.Add(EventLoop, ThreadPool);
        TlsIdleTimeout = new Option<string?>("--tls-idle-timeout")
        {
            Description = "Close a connection relayed for a TLSRoute (Passthrough or Terminate) or a TCPRoute that carries no byte either way for this long; "
                + "a Gateway API duration (30s, 5m, 1h30m); default 1h",
            HelpName = "DURATION",
        };
        UdpIdleTimeout = new Option<string?>("--udp-idle-timeout")
        {
            Description = "End the session of a UDPRoute client (its source address and port, with its own socket to the endpoint chosen for it) that sees no datagram "
                + "either way for this long; the client's next datagram starts a new one; a Gateway API duration (30s, 5m); default 60s",
            HelpName = "DURATION",
        };
        ExternalAuthTimeout = new Option<string?>("--external-auth-timeout")
        {
            Description = "How long one exchange with the authorization service of an ExternalAuth filter may take before the request is answered 504 "
                + "(the rule's timeouts.request when that is shorter); a Gateway API duration (500ms, 2s); default 10s",
            HelpName = "DURATION",
        };
        SessionKeySecret = new Option<string?>("--session-key-secret")
        {
            Description = "Seal sessionPersistence tokens with the key in this Secret (data key 'key', 32 bytes or more; 'previous', if present, still opens "
                + "the tokens of the key before it, for a rotation), from the store or the manifest files: gateways that name the same Secret accept each "
                + "other's sessions, and sessions outlive a restart; default: a random key per process",
            HelpName = "NAMESPACE/NAME",
        };
    }

    /// <summary>The flags of <c>gateway serve</c>: <c>--admin</c>, <c>--access-log</c>, <c>--io</c> and the shared ones.</summary>
    public static GatewayFlags ForServe() => new("--admin", "--access-log", "--io");

    /// <summary>The flags of <c>switchyard up</c>: <c>--gateway-admin</c>, <c>--gateway-access-log</c>, <c>--gateway-io</c> and the shared ones.</summary>
    public static GatewayFlags ForUp() => new(UpAdmin, UpAccessLog, UpIo, " (gateway serve calls it --admin; here the API server is --api)");

    public Option<string?> Admin { get; }
    public Option<string?> IngressHttp { get; }
    public Option<string?> IngressHttps { get; }
    public Option<bool> IngressProxyProtocol { get; }
    public Option<string?> IngressTrustedCidrs { get; }
    public Option<string?> IngressTrustedHops { get; }
    public Option<bool> ForwardedHeader { get; }
    public Option<bool> AccessLog { get; }
    public Option<string?> Io { get; }
    public Option<string?> TlsIdleTimeout { get; }
    public Option<string?> UdpIdleTimeout { get; }
    public Option<string?> ExternalAuthTimeout { get; }
    public Option<string?> SessionKeySecret { get; }

    /// <summary>Every flag, in the order help lists them.</summary>
    public IReadOnlyList<Option> All => [Admin, IngressHttp, IngressHttps, IngressProxyProtocol, IngressTrustedCidrs, IngressTrustedHops, ForwardedHeader, AccessLog, Io, TlsIdleTimeout, UdpIdleTimeout, ExternalAuthTimeout, SessionKeySecret];

    /// <summary>The flags as typed on this command line; the access log, when asked for, goes to the command's stderr.</summary>
    public GatewayFlagValues Read(CliContext context) => new(context.Get(Admin), context.Get(IngressHttp), context.Get(IngressHttps), context.Get(IngressProxyProtocol),
        context.Get(AccessLog) ? context.Error : null, context.Get(Io), context.Get(TlsIdleTimeout), context.Get(ExternalAuthTimeout), context.Get(IngressTrustedCidrs),
        context.Get(IngressTrustedHops), context.Get(UdpIdleTimeout), context.Get(SessionKeySecret), context.Get(ForwardedHeader));

    /// <summary>The proxy's options from <paramref name="values"/>; every problem (each naming its flag) goes to <paramref name="errors"/>, none stopping at the first.</summary>
    public ProxyOptions Options(GatewayFlagValues values, List<string> errors)
    {
        var defaults = new ProxyOptions();
        var options = new ProxyOptions
        {
            Admin = Endpoint(values.Admin, Admin.Name, errors),
            IngressHttp = Endpoint(values.IngressHttp, IngressHttp.Name, errors),
            IngressHttps = Endpoint(values.IngressHttps, IngressHttps.Name, errors),
            IngressProxyProtocol = values.IngressProxyProtocol,
            IngressXForwardedForTrustedCidrs = TrustedCidrs(values.IngressXForwardedForTrustedCidrs, errors),
            IngressXForwardedForTrustedHops = TrustedHops(values.IngressXForwardedForTrustedHops, errors),
            ForwardedHeader = values.ForwardedHeader,
            AccessLog = values.AccessLog,
            Io = IoModel(values.Io, errors),
            TlsIdleTimeout = Duration(values.TlsIdleTimeout, TlsIdleTimeout.Name, errors) ?? defaults.TlsIdleTimeout,
            UdpIdleTimeout = Duration(values.UdpIdleTimeout, UdpIdleTimeout.Name, errors) ?? defaults.UdpIdleTimeout,
            ExternalAuthTimeout = Duration(values.ExternalAuthTimeout, ExternalAuthTimeout.Name, errors) ?? defaults.ExternalAuthTimeout,
            SessionKeySecret = SecretReference(values.SessionKeySecret, errors),
        };
        if (options.Admin is { Port: > 0 } admin && (admin.Equals(options.IngressHttp) || admin.Equals(options.IngressHttps)))
        {
            errors.Add($"{Admin.Name}: {admin} is also the {(admin.Equals(options.IngressHttp) ? IngressHttp.Name : IngressHttps.Name)} address; use another port");
        }
        errors.AddRange(options.Validate());
        return options;
    }

    /// <summary>The NAMESPACE/NAME of --session-key-secret, or null (the default applies) when absent or invalid (then an error).</summary>
    private string? SecretReference(string? text, List<string> errors)
    {
        if (text is null) return null;
        if (Model.Validation.KubernetesNames.ValidateNamespacedName(text) is not { Count: > 0 } problems) return text;
        errors.Add($"{SessionKeySecret.Name}: '{text}': {string.Join("; ", problems)}");
        return null;
    }

    private ProxyIo IoModel(string? text, List<string> errors)
    {
        switch (text)
        {
            case null or EventLoop: return ProxyIo.EventLoop;
            case ThreadPool: return ProxyIo.ThreadPool;
            default:
                errors.Add($"{Io.Name}: '{text}' is not {EventLoop} or {ThreadPool}");
                return ProxyIo.EventLoop;
        }
    }

    /// <summary>The CIDRs of --ingress-x-forwarded-for-trusted-cidrs, parsed as the Gateway annotation is; every bad entry is an error.</summary>
    private IReadOnlyList<Model.Networking.IpPrefix> TrustedCidrs(string? text, List<string> errors)
    {
        if (text is null) return [];
        var problems = new List<(string Entry, string Problem)>();
        var cidrs = Model.Gateway.ForwardedForAnnotations.Parse(text, problems);
        foreach (var (entry, problem) in problems) errors.Add($"{IngressTrustedCidrs.Name}: '{entry}': {problem}");
        return cidrs ?? [];
    }

    /// <summary>The number of --ingress-x-forwarded-for-trusted-hops, parsed as the Gateway annotation is; 0 (none) when absent or bad (then an error).</summary>
    private int TrustedHops(string? text, List<string> errors)
    {
        if (text is null) return 0;
        if (Model.Gateway.ForwardedForAnnotations.ParseHops(text, out var problem) is { } hops) return hops;
        errors.Add($"{IngressTrustedHops.Name}: '{text}': {problem}");
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

/// <summary>The gateway's flags as typed, before parsing (<see cref="GatewayFlags.Options"/> checks them); null: the flag was not given.</summary>
internal sealed record GatewayFlagValues(string? Admin = null, string? IngressHttp = null, string? IngressHttps = null, bool IngressProxyProtocol = false,
    TextWriter? AccessLog = null, string? Io = null, string? TlsIdleTimeout = null, string? ExternalAuthTimeout = null, string? IngressXForwardedForTrustedCidrs = null,
    string? IngressXForwardedForTrustedHops = null, string? UdpIdleTimeout = null, string? SessionKeySecret = null, bool ForwardedHeader = false);
