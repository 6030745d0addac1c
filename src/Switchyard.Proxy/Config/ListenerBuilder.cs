using System.Net;
using System.Security.Cryptography.X509Certificates;
using Switchyard.Proxy.ClientIp;
using Switchyard.Proxy.Routing;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.TcpRoutes;
using Switchyard.Proxy.TlsRoutes;
using Switchyard.Proxy.UdpRoutes;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Precedence of one match; smaller sorts first. Fields in the order the specifications break ties. A GRPCRoute
/// match puts the characters of its service in <see cref="PathLength"/> and of its method in <see cref="MethodLength"/>.
/// </summary>
internal readonly record struct MatchPrecedence(
    int PathRank, int PathLength, bool HasMethod, int Headers, int Query, DateTime Created, string Owner, int Rule, int Match) : IComparable<MatchPrecedence>
{
    /// <summary>GRPCRoute: characters of the method match (more first); 0 for HTTPRoute and Ingress.</summary>
    public int MethodLength { get; init; }

    public int CompareTo(MatchPrecedence o)
    {
        int c;
        if ((c = PathRank.CompareTo(o.PathRank)) != 0) return c;
        if ((c = o.PathLength.CompareTo(PathLength)) != 0) return c;
        if ((c = o.MethodLength.CompareTo(MethodLength)) != 0) return c;
        if ((c = o.HasMethod.CompareTo(HasMethod)) != 0) return c;
        if ((c = o.Headers.CompareTo(Headers)) != 0) return c;
        if ((c = o.Query.CompareTo(Query)) != 0) return c;
        if ((c = Created.CompareTo(o.Created)) != 0) return c;
        if ((c = string.CompareOrdinal(Owner, o.Owner)) != 0) return c;
        if ((c = Rule.CompareTo(o.Rule)) != 0) return c;
        return Match.CompareTo(o.Match);
    }

    /// <summary>Gateway API: Exact, then RegularExpression, then PathPrefix by length (see docs/components/gateway.md).</summary>
    public static int GatewayRank(PathMatchKind kind) => kind switch { PathMatchKind.Exact => 0, PathMatchKind.RegularExpression => 1, _ => 2 };
}

/// <summary>Collects the entries of one bind address into host buckets, then builds its immutable <see cref="ListenerConfig"/>.</summary>
internal sealed class ListenerBuilder(IPEndPoint bind, string name, ListenerKind kind, bool singleLabelWildcards, bool acceptsProxyProtocol = false, ClientIpDetection? clientIpDetection = null)
{
    /// <summary>The route entries of each listener here by its hostname ("" for none); an Ingress address is one such listener.</summary>
    private readonly Dictionary<string, HostBuckets> _byListener = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _httpListenerHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, TlsRouteTarget> _tlsRoutes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ListenerKind> _kinds = new(StringComparer.OrdinalIgnoreCase);

    public IPEndPoint Bind => bind;
    public ListenerKind Kind => kind;
    public string Name => name;

    /// <summary>Connections here start with a PROXY protocol header (set by the first listener bound here; conflicting ones are refused before).</summary>
    public bool AcceptsProxyProtocol => acceptsProxyProtocol;

    /// <summary>How the client is found in X-Forwarded-For (set by the first listener bound here, like <see cref="AcceptsProxyProtocol"/>).</summary>
    public ClientIpDetection? ClientIpDetection => clientIpDetection;

    public Dictionary<string, ServingCertificate> Certificates { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Client certificate validation by listener hostname, like <see cref="Certificates"/> (null: none); empty when no listener here validates.</summary>
    public Dictionary<string, ClientCertificateValidation?> ClientValidation { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Adds <paramref name="entry"/> for a hostname (exact or "*.suffix") or for any host (null), through the listener
    /// with <paramref name="listenerHostname"/> (null: none, or an Ingress address).
    /// </summary>
    public void Add(string? hostname, MatchPrecedence key, RouteEntry entry, string? listenerHostname = null)
    {
        if (!_byListener.TryGetValue(listenerHostname ?? "", out var buckets)) _byListener[listenerHostname ?? ""] = buckets = new HostBuckets();
        buckets.Add(hostname, key, entry);
    }

    /// <summary>
    /// Routes TLS connections naming <paramref name="hostname"/> (exact or "*.suffix") to <paramref name="target"/>;
    /// false when an earlier route (routes are added oldest first) already has that hostname.
    /// </summary>
    public bool AddTlsRoute(string hostname, TlsRouteTarget target) => _tlsRoutes.TryAdd(hostname, target);

    /// <summary>The TCPRoute rule serving every connection here (TCP listeners); the first one set, as routes are added oldest first.</summary>
    public TcpRouteTarget? TcpRoute { get; private set; }

    /// <summary>Makes <paramref name="target"/> serve the port's connections; false, and nothing changed, when an earlier route already does.</summary>
    public bool SetTcpRoute(TcpRouteTarget target)
    {
        if (TcpRoute is not null) return false;
        TcpRoute = target;
        return true;
    }

    /// <summary>The UDPRoute rule serving every client here (UDP listeners); the first one set, as routes are added oldest first.</summary>
    public UdpRouteTarget? UdpRoute { get; private set; }

    /// <summary>Makes <paramref name="target"/> serve the port's clients; false, and nothing changed, when an earlier route already does.</summary>
    public bool SetUdpRoute(UdpRouteTarget target)
    {
        if (UdpRoute is not null) return false;
        UdpRoute = target;
        return true;
    }

    /// <summary>
    /// Records that the listener with <paramref name="hostname"/> (null: none) serves <paramref name="kind"/> here. When
    /// listeners of more than one kind do, the port is <see cref="ListenerKind.Mixed"/> and connections are told apart
    /// by server name; the compiler lets only HTTPS and TLS listeners with distinct hostnames share a port.
    /// </summary>
    public void AddServerName(string? hostname, ListenerKind kind)
    {
        _kinds.TryAdd(hostname ?? "", kind);
        if (kind is ListenerKind.Http or ListenerKind.Https) _httpListenerHosts.Add(hostname ?? "");
    }

    /// <summary>
    /// The hostname of an HTTP or HTTPS listener here that is not programmed (no usable certificate): it serves nothing,
    /// and its requests are not routed by another listener's routes either (they get 404).
    /// </summary>
    public void AddUnservedHostname(string? hostname) => _httpListenerHosts.Add(hostname ?? "");

    public ListenerConfig Build()
    {
        // Gateway API listener isolation: with HTTP listeners of more than one hostname here, each request is routed by
        // the routes of its most specific listener only, one with no routes included (it answers 404). An Ingress address
        // shared with Gateway listeners counts as a listener without a hostname.
        var hosts = _httpListenerHosts.Union(_byListener.Keys, StringComparer.OrdinalIgnoreCase).ToList();
        var router = hosts.Count switch
        {
            0 => HostRouter.Empty,
            1 => _byListener.GetValueOrDefault(hosts[0])?.Router(singleLabelWildcards) ?? HostRouter.Empty,
            _ => HostRouter.Isolating(hosts.ToDictionary(h => h, h => _byListener.GetValueOrDefault(h)?.Router(singleLabelWildcards) ?? HostRouter.Empty, StringComparer.OrdinalIgnoreCase)),
        };
        var mixed = _kinds.Values.Distinct().Skip(1).Any();
        return new ListenerConfig
        {
            Bind = bind,
            Name = name,
            Kind = mixed ? ListenerKind.Mixed : kind,
            ServerNames = mixed ? new ServerNameKinds(_kinds) : null,
            AcceptsProxyProtocol = acceptsProxyProtocol,
            ClientIpDetection = clientIpDetection,
            TlsRoutes = _tlsRoutes.Count == 0 ? SniRouter.Empty : new SniRouter(_tlsRoutes),
            TcpRoute = TcpRoute,
            UdpRoute = UdpRoute,
            Router = router,
            Certificates = Certificates,
            ClientValidation = ClientValidation.Values.Any(v => v is not null) ? new ClientValidationTable(ClientValidation) : null,
        };
    }

    /// <summary>One listener's entries by route hostname (exact or "*.suffix") and for any host.</summary>
    private sealed class HostBuckets
    {
        private readonly Dictionary<string, List<(MatchPrecedence Key, RouteEntry Entry)>> _byHost = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<(MatchPrecedence Key, RouteEntry Entry)> _any = [];

        public void Add(string? hostname, MatchPrecedence key, RouteEntry entry)
        {
            if (hostname is null)
            {
                _any.Add((key, entry));
                return;
            }
            if (!_byHost.TryGetValue(hostname, out var list)) _byHost[hostname] = list = [];
            list.Add((key, entry));
        }

        public HostRouter Router(bool singleLabelWildcards)
        {
            var exact = new Dictionary<string, RouteTable>(StringComparer.OrdinalIgnoreCase);
            var wildcards = new Dictionary<string, RouteTable>(StringComparer.OrdinalIgnoreCase);
            foreach (var (host, list) in _byHost)
            {
                var table = Table(list);
                if (Hostnames.IsWildcard(host)) wildcards[host[1..]] = table;
                else exact[host] = table;
            }
            return new HostRouter(exact, wildcards, _any.Count == 0 ? null : Table(_any), singleLabelWildcards);
        }

        private static RouteTable Table(List<(MatchPrecedence Key, RouteEntry Entry)> list)
        {
            list.Sort((a, b) => a.Key.CompareTo(b.Key));
            return new RouteTable([.. list.Select(x => x.Entry)]);
        }
    }
}
