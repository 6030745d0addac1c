using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Model.Selectors;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.ClientIp;
using Switchyard.Proxy.ExternalAuth;
using Switchyard.Proxy.Filters;
using Switchyard.Proxy.Forwarding;
using Switchyard.Proxy.Resilience;
using Switchyard.Proxy.Routing;
using Switchyard.Proxy.Snapshot;
using Switchyard.Proxy.TcpRoutes;
using Switchyard.Proxy.TlsRoutes;
using Switchyard.Proxy.UdpRoutes;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Compiles the Gateways of GatewayClasses whose controllerName is <see cref="ControllerName"/> and the HTTPRoutes,
/// GRPCRoutes, TLSRoutes, TCPRoutes and UDPRoutes attached to them into listener builders, and computes the status each object should have
/// (Accepted, ResolvedRefs, Programmed with the specification's reasons). Gateways of other controllers are left
/// alone. GRPCRoute rules compile in GatewayCompiler.Grpc.cs, TLSRoutes in GatewayCompiler.Tls.cs, TCPRoutes in
/// GatewayCompiler.Tcp.cs and UDPRoutes in GatewayCompiler.Udp.cs; attachment is
/// the same for every kind.
/// </summary>
internal sealed partial class GatewayCompiler(ProxyInputs inputs, BackendResolver backends, Func<IPEndPoint, string, ListenerKind, bool, ClientIpDetection?, ListenerBuilder> listenerFor, DateTime now)
{
    public const string ControllerName = "switchyard.dev/gateway-controller";

    /// <summary>What an operator should know that no status says (a certificate served past its expiry).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>
    /// One listener of a Gateway's merged list: its own, or one a ListenerSet (<see cref="Set"/>) adds. Binds on the
    /// Gateway's address; its certificate references and allowedRoutes "Same" are relative to its owner's namespace.
    /// </summary>
    private sealed class ListenerInfo(Gateway gateway, ListenerSet? set, Listener listener, IPEndPoint bind)
    {
        public Gateway Gateway { get; } = gateway;
        public ListenerSet? Set { get; } = set;
        public Listener Listener { get; } = listener;

        /// <summary>The namespace of the object that declares the listener.</summary>
        public string Namespace { get; } = (set?.Metadata ?? gateway.Metadata).NamespaceProperty ?? "default";

        /// <summary>The generation of the object that declares the listener (its conditions observe it).</summary>
        public long? Generation { get; } = (set?.Metadata ?? gateway.Metadata).Generation;

        /// <summary>The listener's conditions in the status its owner has now (lastTransitionTime is kept from them).</summary>
        public IList<V1Condition>? Previous { get; } = (set?.Status?.Listeners ?? gateway.Status?.Listeners)?.FirstOrDefault(s => s.Name == listener.Name)?.Conditions;

        /// <summary>"gateway NS/NAME" or "listenerset NS/NAME".</summary>
        public string Owner => Set is null ? $"gateway {Key(Gateway.Metadata)}" : $"listenerset {Key(Set.Metadata)}";
        public IPEndPoint Bind { get; } = bind;
        public bool Usable { get; set; } = true;

        /// <summary>How the Gateway's annotations find the client in X-Forwarded-For (set when the listener is added).</summary>
        public ClientIpDetection? ClientIpDetection { get; set; }

        /// <summary>False when the listener is not part of the merged list: a protocol not served, or a conflict with one before it.</summary>
        public bool Distinct { get; set; } = true;
        public int Attached { get; set; }
        public List<V1Condition> Conditions { get; } = [];

        /// <summary>The routes attached so far (oldest first) and the hostnames each serves here (null: any).</summary>
        public List<(string Kind, string Key, List<string>? Hosts)> Claims { get; } = [];
    }

    /// <summary>Compiles ExtensionRef filters that name an HTTPTrafficFilter; null: such filters are unsupported.</summary>
    public TrafficFilterCompiler? Traffic { get; init; }

    /// <summary>
    /// The last version of each route (by <see cref="RouteKey"/>) whose rules compiled, kept across compiles by the
    /// caller. A route changed into one this proxy cannot serve keeps serving that version while its status says why
    /// the new one is refused; null: nothing is remembered and such a route stops serving.
    /// </summary>
    public Dictionary<string, IKubernetesObject<V1ObjectMeta>>? LastAccepted { get; init; }

    public List<GatewayClassStatusUpdate> ClassStatuses { get; } = [];
    public List<GatewayStatusUpdate> GatewayStatuses { get; } = [];

    /// <summary>
    /// Gateways this controller no longer serves (their class changed to another controller's, or to none) whose
    /// status still says it does: the status is cleared, so no stale Programmed=True outlives the serving.
    /// </summary>
    public List<Gateway> ReleasedGateways { get; } = [];
    public List<RouteStatusUpdate> RouteStatuses { get; } = [];

    /// <summary>The message of a served Gateway's Accepted condition: how a status this controller wrote is known again.</summary>
    private const string ServedByUs = $"served by {ControllerName}";

    public void Compile()
    {
        var ours = AcceptClasses();
        var gateways = inputs.Gateways.Where(g => ours.Contains(g.Spec.GatewayClassName)).OrderBy(g => g.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(g => Key(g.Metadata), StringComparer.Ordinal).ToList();
        ReleasedGateways.AddRange(inputs.Gateways.Where(g => !ours.Contains(g.Spec.GatewayClassName)
            && g.Status?.Conditions?.Any(c => c.Type == "Accepted" && c.Message == ServedByUs) == true));
        var listeners = new Dictionary<ParentKey, List<ListenerInfo>>();
        var sockets = new ListenerSockets();
        foreach (var gateway in gateways)
        {
            var bind = BindAddress(gateway);
            listeners[ParentKey.Of(gateway)] = [.. (gateway.Spec.Listeners ?? []).Select(l => AddListener(new ListenerInfo(gateway, null, l, new IPEndPoint(bind, l.Port)), sockets))];
        }
        // ListenerSets after every Gateway's own listeners, oldest first: a listener that conflicts with one before it is not served.
        CompileListenerSets(gateways, listeners, sockets);
        IsolateUnserved(sockets);

        // Oldest first, then by namespace/name: the order in which routes claim hostnames of a listener.
        var routes = inputs.HttpRoutes.Select(PrepareHttp).Concat(inputs.GrpcRoutes.Select(PrepareGrpc)).Concat(inputs.TlsRoutes.Select(PrepareTls))
            .Concat(inputs.TcpRoutes.Select(PrepareTcp)).Concat(inputs.UdpRoutes.Select(PrepareUdp))
            .OrderBy(r => r.Object.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(r => Key(r.Object.Metadata), StringComparer.Ordinal);
        var ordered = routes.ToList();
        ResolveServerNames(ordered.Where(r => r.TlsTarget is not null), listeners);
        foreach (var route in ordered) Attach(route, listeners);
        AddListenerSetStatuses(listeners);

        foreach (var gateway in gateways)
        {
            var infos = listeners[ParentKey.Of(gateway)];
            var gen = gateway.Metadata.Generation;
            var prev = gateway.Status?.Conditions;
            var programmed = infos.Any(i => i.Usable);
            var status = new GatewayStatus
            {
                Addresses = [new GatewayStatusAddress { Type = GatewayApi.AddressTypes.IPAddress, Value = BindAddress(gateway).ToString() }],
                Conditions =
                [
                    Conditions.Make("Accepted", true, "Accepted", ServedByUs, gen, prev, now),
                    Conditions.Make("Programmed", programmed, programmed ? "Programmed" : "Invalid", programmed ? "listeners are serving" : "no listener can serve", gen, prev, now),
                ],
                Listeners = [.. infos.Select(i => new ListenerStatus
                {
                    Name = i.Listener.Name,
                    AttachedRoutes = i.Attached,
                    SupportedKinds = [.. KindsServed(i.Listener).Where(k => KindAllowed(i, k)).Select(k => new RouteGroupKind { Group = GatewayApi.Group, Kind = k })],
                    Conditions = i.Conditions,
                })],
                AttachedListenerSets = AttachedListenerSets(gateway, listeners),
            };
            AddResolvedRefs(gateway, status);
            AddFrontendConditions(gateway, status);
            GatewayStatuses.Add(new GatewayStatusUpdate(gateway, status));
        }
    }

    /// <summary>
    /// The GatewayClasses naming this controller, each with its Accepted condition; the names of those accepted. A class
    /// with a parametersRef is not: this controller reads no parameters (the spec's InvalidParameters), and its Gateways
    /// are not served.
    /// </summary>
    private HashSet<string> AcceptClasses()
    {
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var gatewayClass in inputs.GatewayClasses.Where(c => c.Spec.ControllerName == ControllerName))
        {
            var parameters = gatewayClass.Spec.ParametersRef;
            var condition = parameters is null
                ? Conditions.Make("Accepted", true, "Accepted", $"handled by {ControllerName}", gatewayClass.Metadata.Generation, gatewayClass.Status?.Conditions, now)
                : Conditions.Make("Accepted", false, "InvalidParameters", $"{ControllerName} reads no parameters: parametersRef ({parameters.Kind} {parameters.Name}) is not supported",
                    gatewayClass.Metadata.Generation, gatewayClass.Status?.Conditions, now);
            ClassStatuses.Add(new GatewayClassStatusUpdate(gatewayClass, new GatewayClassStatus { Conditions = [condition], SupportedFeatures = gatewayClass.Status?.SupportedFeatures }));
            if (parameters is null) accepted.Add(gatewayClass.Metadata.Name);
        }
        return accepted;
    }

    /// <summary>What <see cref="LastAccepted"/> is keyed by: the kind and the uid, or namespace/name for objects read from files.</summary>
    internal static string RouteKey(IKubernetesObject<V1ObjectMeta> route) =>
        $"{route switch { GRPCRoute => GrpcRouteKind, TLSRoute => TlsRouteKind, TCPRoute => TcpRouteKind, UDPRoute => UdpRouteKind, _ => HttpRouteKind }} {route.Metadata.Uid ?? Key(route.Metadata)}";

    private static string Key(V1ObjectMeta m) => $"{m.NamespaceProperty ?? "default"}/{m.Name}";

    private static IPAddress BindAddress(Gateway gateway)
    {
        foreach (var a in gateway.Spec.Addresses ?? [])
        {
            if ((a.Type ?? GatewayApi.AddressTypes.IPAddress) == GatewayApi.AddressTypes.IPAddress && IPAddress.TryParse(a.Value, out var ip)) return ip;
        }
        return IPAddress.Loopback;
    }

    /// <summary>
    /// The certificate of a listener that terminates TLS: its first certificateRef, a core Secret in its owner's
    /// namespace or, with a ReferenceGrant from the owner's kind (Gateway or ListenerSet, never inherited from one to
    /// the other), in another. The reason is the listener's ResolvedRefs reason when there is none.
    /// </summary>
    private (ServingCertificate? Cert, string Reason, string? Error) Certificate(ListenerInfo info)
    {
        var listener = info.Listener;
        var ownNs = info.Namespace;
        var refs = listener.Tls?.CertificateRefs ?? [];
        if (refs.Count == 0) return (null, "InvalidCertificateRef", $"a {listener.Protocol} listener that terminates TLS needs tls.certificateRefs");
        var r = refs[0];
        if ((r.Group ?? "") != "" || (r.Kind ?? "Secret") != "Secret") return (null, "InvalidCertificateRef", $"certificateRef {r.Kind}/{r.Name}: only core Secrets are supported");
        var ns = r.Namespace ?? ownNs;
        var ownerKind = info.Set is null ? "Gateway" : ListenerSetKind;
        if (ns != ownNs && !Granted(GatewayApi.Group, ownerKind, ownNs, "", "Secret", ns, r.Name))
            return (null, "RefNotPermitted", $"certificateRef {ns}/{r.Name}: no ReferenceGrant in {ns} allows {ownerKind}s from {ownNs}");
        var (cert, error) = TlsSecrets.Load(inputs.Secrets, ns, r.Name);
        return (cert, "InvalidCertificateRef", error is null ? null : $"certificateRef: {error}");
    }

    private bool Granted(string fromGroup, string fromKind, string fromNs, string toGroup, string toKind, string toNs, string toName) =>
        inputs.ReferenceGrants.Any(g => (g.Metadata.NamespaceProperty ?? "default") == toNs
            && (g.Spec.From ?? []).Any(f => (f.Group ?? "") == fromGroup && f.Kind == fromKind && f.Namespace == fromNs)
            && (g.Spec.To ?? []).Any(t => (t.Group ?? "") == toGroup && t.Kind == toKind && (t.Name is null || t.Name == toName)));

    /// <summary>Does the listener's allowedRoutes.namespaces take routes from <paramref name="routeNs"/> ("Same": its owner's namespace)?</summary>
    private bool NamespaceAllowed(ListenerInfo info, string routeNs) =>
        NamespaceSelected(info.Listener.AllowedRoutes?.Namespaces?.From is GatewayApi.FromNamespaces.All or GatewayApi.FromNamespaces.Selector ? info.Listener.AllowedRoutes.Namespaces.From : GatewayApi.FromNamespaces.Same,
            info.Listener.AllowedRoutes?.Namespaces?.Selector, info.Namespace, routeNs);

    /// <summary>
    /// Whether <paramref name="from"/> (All, Selector, Same, None) selects namespace <paramref name="candidate"/> for an
    /// object in <paramref name="ownNs"/>: the rule of allowedRoutes and of a Gateway's allowedListeners.
    /// </summary>
    private bool NamespaceSelected(string from, V1LabelSelector? selector, string ownNs, string candidate)
    {
        switch (from)
        {
            case GatewayApi.FromNamespaces.All: return true;
            case GatewayApi.FromNamespaces.Selector:
                if (selector is null) return false;
                var labels = inputs.Namespaces.FirstOrDefault(n => n.Metadata.Name == candidate)?.Metadata.Labels
                    ?? new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = candidate };
                return Selector.FromLabelSelector(selector).Matches(labels);
            case GatewayApi.FromNamespaces.Same: return candidate == ownNs;
            default: return false;
        }
    }

    private const string HttpRouteKind = "HTTPRoute";
    private const string GrpcRouteKind = "GRPCRoute";
    private const string TlsRouteKind = "TLSRoute";
    private const string TcpRouteKind = "TCPRoute";
    private const string UdpRouteKind = "UDPRoute";

    /// <summary>The route kinds an HTTP or HTTPS listener serves, and allows when its allowedRoutes.kinds is empty.</summary>
    private static readonly string[] HttpRouteKinds = [HttpRouteKind, GrpcRouteKind];

    /// <summary>The route kinds a TLS listener serves.</summary>
    private static readonly string[] TlsRouteKinds = [TlsRouteKind];

    /// <summary>The route kinds a TCP listener serves.</summary>
    private static readonly string[] TcpRouteKinds = [TcpRouteKind];

    /// <summary>The route kinds a UDP listener serves.</summary>
    private static readonly string[] UdpRouteKinds = [UdpRouteKind];

    private static string[] KindsServed(Listener l) => l.Protocol switch
    {
        GatewayApi.Protocols.HTTP or GatewayApi.Protocols.HTTPS => HttpRouteKinds,
        GatewayApi.Protocols.TLS => TlsRouteKinds,
        GatewayApi.Protocols.TCP => TcpRouteKinds,
        GatewayApi.Protocols.UDP => UdpRouteKinds,
        _ => [],
    };

    /// <summary>The entries of allowedRoutes.kinds the listener cannot serve, described; null when there are none.</summary>
    private static string? InvalidRouteKinds(Listener l)
    {
        var served = KindsServed(l);
        var invalid = (l.AllowedRoutes?.Kinds ?? []).Where(k => (k.Group ?? GatewayApi.Group) != GatewayApi.Group || !served.Contains(k.Kind))
            .Select(k => (k.Group ?? GatewayApi.Group) == GatewayApi.Group ? k.Kind : $"{k.Kind} of group \"{k.Group}\"").ToList();
        return invalid.Count == 0 ? null
            : $"allowedRoutes.kinds: {string.Join(", ", invalid)} cannot attach to this listener (protocol {l.Protocol}), which serves {string.Join(" and ", served)}";
    }

    /// <summary>What a listener serves; null for a protocol this controller does not serve.</summary>
    private static ListenerKind? KindOf(Listener l) => l.Protocol switch
    {
        GatewayApi.Protocols.HTTP => ListenerKind.Http,
        GatewayApi.Protocols.HTTPS => ListenerKind.Https,
        GatewayApi.Protocols.TLS => (l.Tls?.Mode ?? GatewayApi.TlsModes.Terminate) == GatewayApi.TlsModes.Passthrough ? ListenerKind.TlsPassthrough : ListenerKind.TlsTerminate,
        GatewayApi.Protocols.TCP => ListenerKind.Tcp,
        GatewayApi.Protocols.UDP => ListenerKind.Udp,
        _ => null,
    };

    private static bool KindAllowed(ListenerInfo info, string kind)
    {
        var kinds = info.Listener.AllowedRoutes?.Kinds;
        return kinds is null || kinds.Count == 0 || kinds.Any(k => (k.Group ?? GatewayApi.Group) == GatewayApi.Group && k.Kind == kind);
    }

    /// <summary>
    /// A route of either kind as attachment sees it: the version it serves (the current one, or the last accepted one
    /// while the current one cannot be served), that version's compiled entries, and what was wrong.
    /// </summary>
    private sealed record PreparedRoute(
        string Kind, IKubernetesObject<V1ObjectMeta> Object, IList<ParentReference>? ParentRefs, IList<RouteParentStatus>? PreviousParents,
        IKubernetesObject<V1ObjectMeta> Served, IList<string>? ServedHostnames, List<(MatchPrecedence, RouteEntry)> Entries,
        List<string> RuleErrors, List<(string Reason, string Message)> RefErrors,
        Func<GatewayClientCertificate?, List<(MatchPrecedence, RouteEntry)>> CompileFor, GatewayClientCertificate? BaseClient)
    {
        /// <summary>A TLSRoute's compiled rule, routed to by server name instead of <see cref="Entries"/>.</summary>
        public TlsRouteTarget? TlsTarget { get; init; }

        /// <summary>A TCPRoute's compiled rule, serving every connection of a TCP port instead of <see cref="Entries"/>.</summary>
        public TcpRouteTarget? TcpTarget { get; init; }

        /// <summary>A UDPRoute's compiled rule, serving every client of a UDP port instead of <see cref="Entries"/>.</summary>
        public UdpRouteTarget? UdpTarget { get; init; }

        /// <summary>
        /// The parents of the version served (<see cref="Served"/>): when it is an earlier version ("Fall Back"), only
        /// these serve it; a parent only the refused version names gets nothing through it. Null: those of the route.
        /// </summary>
        public IList<ParentReference>? ServedParents { get; init; }
    }

    /// <summary>
    /// The parents a route's status speaks for: its own; when an earlier version is served in its place ("Fall Back"),
    /// that version's first (they serve it), then the refused version's others.
    /// </summary>
    private static IList<ParentReference>? Parents(IKubernetesObject<V1ObjectMeta> route, IList<ParentReference>? current, IList<ParentReference>? served, bool fallBack)
    {
        if (!fallBack) return current;
        var ns = route.Metadata.NamespaceProperty ?? "default";
        return [.. served ?? [], .. (current ?? []).Where(p => !(served ?? []).Any(q => SameParent(p, q, ns)))];
    }

    private PreparedRoute PrepareHttp(HTTPRoute route)
    {
        var client = BaseClient(route);
        var compiled = CompileRules(route, out var ruleErrors, out var refErrors, client);
        var served = route;
        if (ruleErrors.Count == 0) LastAccepted?[RouteKey(route)] = route;
        else if (LastAccepted?.GetValueOrDefault(RouteKey(route)) is HTTPRoute good)
        {
            served = good;
            compiled = CompileRules(good, out _, out refErrors, client);
        }
        return new(HttpRouteKind, route, Parents(route, route.Spec.ParentRefs, served.Spec.ParentRefs, served != route), route.Status?.Parents, served, served.Spec.Hostnames, compiled, ruleErrors, refErrors,
            other => CompileRules(served, out _, out _, other), client) { ServedParents = served.Spec.ParentRefs };
    }

    /// <summary>Does <paramref name="parent"/> name this listener (its sectionName and port, when set)?</summary>
    private static bool Named(ListenerInfo info, ParentReference parent) =>
        (parent.SectionName is null || info.Listener.Name == parent.SectionName) && (parent.Port is null || info.Listener.Port == parent.Port);

    /// <summary>
    /// Header matches with names equal but for case (<c>foo</c>, <c>Foo</c>): the first of each name; Gateway API says
    /// only it is considered, the others ignored (HTTPRoute's and GRPCRoute's header matches).
    /// </summary>
    private static IEnumerable<HTTPHeaderMatch> FirstOfEachName(IEnumerable<HTTPHeaderMatch>? matches) =>
        (matches ?? []).DistinctBy(h => h.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>A filter as messages name it: its type, and for an ExtensionRef what it refers to (<c>ExtensionRef to example.com/Auth a</c>).</summary>
    private static string FilterName(string? type, LocalObjectReference? extension) =>
        type == GatewayApi.FilterTypes.ExtensionRef && extension is not null
            ? $"ExtensionRef to {(string.IsNullOrEmpty(extension.Group) ? "core" : extension.Group)}/{extension.Kind} {extension.Name}" : type ?? "(no type)";

    /// <summary>Does the listener take routes of <paramref name="kind"/> from <paramref name="ns"/> (protocol, allowedRoutes)?</summary>
    private bool Admits(ListenerInfo info, string kind, string ns) =>
        KindsServed(info.Listener).Contains(kind) && NamespaceAllowed(info, ns) && KindAllowed(info, kind);

    /// <summary>For each TLSRoute and listener, the server names it serves there.</summary>
    private readonly Dictionary<(ListenerInfo Listener, string Route), List<string>> _serverNames = [];

    /// <summary>For each bind address and server name (lower case), the route serving it and through which listener.</summary>
    private readonly Dictionary<(IPEndPoint Bind, string Host), (string Route, string Listener)> _serverNameHolders = [];

    /// <summary>
    /// Decides which TLSRoute serves each server name of a bind address, before any is attached: the listeners on one
    /// address and port share one router. Gateway API: the route attached through the listener with the most specific
    /// hostname wins (exact, then the longest wildcard, then none), then the oldest route (then namespace/name; routes
    /// arrive in that order).
    /// </summary>
    private void ResolveServerNames(IEnumerable<PreparedRoute> tlsRoutes, Dictionary<ParentKey, List<ListenerInfo>> listeners)
    {
        var claims = new List<(IPEndPoint Bind, string Host, (int, int) Specificity, int Order, ListenerInfo Info, string Route)>();
        var order = 0;
        foreach (var route in tlsRoutes)
        {
            var ns = route.Object.Metadata.NamespaceProperty ?? "default";
            var key = Key(route.Object.Metadata);
            order++;
            foreach (var parent in route.ParentRefs ?? [])
            {
                if (ParentKey.Of(parent, ns) is not { } parentKey || !listeners.TryGetValue(parentKey, out var infos)) continue;
                // A listener outside the merged list (a conflicted ListenerSet listener) serves no name, so claims none.
                foreach (var info in infos.Where(i => i.Distinct && Named(i, parent) && Admits(i, TlsRouteKind, ns)))
                {
                    var hostname = info.Listener.Hostname;
                    var specificity = hostname is null ? (2, 0) : Hostnames.IsWildcard(hostname) ? (1, -hostname.Length) : (0, 0);
                    foreach (var h in Hostnames.Intersect(hostname, route.ServedHostnames) ?? []) claims.Add((info.Bind, h, specificity, order, info, key));
                }
            }
        }
        foreach (var claim in claims.GroupBy(c => (c.Bind, Host: c.Host.ToLowerInvariant())))
        {
            var winner = claim.OrderBy(c => c.Specificity).ThenBy(c => c.Order).First();
            if (!_serverNames.TryGetValue((winner.Info, winner.Route), out var names)) _serverNames[(winner.Info, winner.Route)] = names = [];
            names.Add(winner.Host);
            _serverNameHolders[claim.Key] = (winner.Route, winner.Info.Listener.Name);
        }
    }

    private void Attach(PreparedRoute route, Dictionary<ParentKey, List<ListenerInfo>> listeners)
    {
        var meta = route.Object.Metadata;
        var ns = meta.NamespaceProperty ?? "default";
        var key = Key(meta);
        var gen = meta.Generation;
        var (ruleErrors, refErrors) = (route.RuleErrors, route.RefErrors);
        var servingOld = route.Served != route.Object;
        var parents = new List<RouteParentStatus>();
        foreach (var parent in route.ParentRefs ?? [])
        {
            if (ParentKey.Of(parent, ns) is not { } parentKey) continue; // not a Gateway or ListenerSet: another controller's
            var detached = _detachedSets.GetValueOrDefault(parentKey);
            if (!listeners.TryGetValue(parentKey, out var infos) && detached is null) continue; // not ours (or absent): leave to its controller
            var previous = route.PreviousParents?.FirstOrDefault(p => SameParent(p.ParentRef, parent, ns) && p.ControllerName == ControllerName)?.Conditions;
            var candidates = (infos ?? []).Where(i => Named(i, parent)).ToList();
            string? reason = null, message = null, fallBack = null;
            var attached = 0;
            if (detached is not null) (reason, message) = ("NoMatchingParent", $"ListenerSet {parentKey.Ns}/{parentKey.Name} is not attached to its Gateway: {detached}");
            else if (candidates.Count == 0) (reason, message) = ("NoMatchingParent", "no listener matches sectionName/port");
            else if (ruleErrors.Count > 0 && (!servingOld || route.ServedParents?.Any(p => SameParent(p, parent, ns)) != true))
            {
                // Nothing served through this parent: the route never compiled, or Fall Back serves its last accepted
                // version as a whole, parents included, and that version does not name this one.
                (reason, message) = ("UnsupportedValue", string.Join("; ", ruleErrors)
                    + (servingOld ? "; the last accepted version, still served elsewhere, does not name this parent" : ""));
                // Gateway API: a listener's attachedRoutes counts by parentRefs and allowedRoutes alone, whatever the
                // route's validity (gateway-api#2396), so a route refused for its rules still counts where it is allowed.
                foreach (var info in candidates.Where(i => Admits(i, route.Kind, ns))) info.Attached++;
            }
            else if (!candidates.Any(i => KindsServed(i.Listener).Contains(route.Kind)))
                // Gateway API: a TLSRoute on a listener of another protocol is UnsupportedValue; other kinds (a TCPRoute too,
                // as its conformance tests say) are not allowed there.
                (reason, message) = route.Kind == TlsRouteKind
                    ? ("UnsupportedValue", "a TLSRoute attaches only to listeners of protocol TLS")
                    : ("NotAllowedByListeners", $"no listener serves {route.Kind}s ("
                        + string.Join("; ", candidates.Select(i => $"listener {i.Listener.Name} of protocol {i.Listener.Protocol} serves {(KindsServed(i.Listener) is { Length: > 0 } k ? string.Join(" and ", k) : "nothing")}")) + ")");
            else if (candidates.Where(i => NamespaceAllowed(i, ns)).ToList() is { Count: 0 })
                (reason, message) = ("NotAllowedByListeners", $"no listener allows {route.Kind}s from namespace {ns}");
            else if (candidates.Where(i => Admits(i, route.Kind, ns)).ToList() is not { Count: > 0 } allowed)
                (reason, message) = ("NotAllowedByListeners", $"no listener allows kind {route.Kind} (allowedRoutes.kinds: {string.Join(", ", candidates.SelectMany(i => i.Listener.AllowedRoutes?.Kinds ?? []).Select(k => k.Kind).Distinct())})");
            else
            {
                var conflicts = new List<string>();
                var partial = new List<string>(); // TLSRoute hostnames another route serves
                var shadowed = new List<string>(); // TCP (UDP) ports an older TCPRoute (UDPRoute) serves
                foreach (var info in allowed)
                {
                    var hosts = Hostnames.Intersect(info.Listener.Hostname, route.ServedHostnames);
                    if (hosts is { Count: 0 }) continue;
                    // Gateway API: an HTTPRoute and a GRPCRoute whose hostnames intersect on one listener: the older (then
                    // the first by namespace/name) is accepted there. Routes arrive oldest first, so the claim stands.
                    var rival = info.Claims.FirstOrDefault(c => c.Kind != route.Kind && Hostnames.Overlap(c.Hosts, hosts));
                    if (rival.Kind is not null)
                    {
                        conflicts.Add($"listener {info.Listener.Name}: its hostnames are taken by {rival.Kind} {rival.Key}, which is older or first by namespace/name");
                        continue;
                    }
                    if (route.TcpTarget is { } tcp)
                    {
                        // Attached and counted wherever it is allowed (Gateway API conformance: every TCPRoute on a listener is
                        // Accepted); the port's connections go to the oldest, which claims it first (routes arrive oldest first).
                        info.Claims.Add((route.Kind, key, null));
                        info.Attached++;
                        attached++;
                        if (!info.Distinct || !info.Usable) continue;
                        var tcpBuilder = listenerFor(info.Bind, "", ListenerKind.Tcp, ProxyProtocolAnnotations.Accepts(info.Gateway.Metadata.Annotations, out _), info.ClientIpDetection);
                        if (!tcpBuilder.SetTcpRoute(tcp) && tcpBuilder.TcpRoute != tcp) // not itself, through another parentRef
                            shadowed.Add($"listener {info.Listener.Name}: port {info.Listener.Port} serves {tcpBuilder.TcpRoute!.Name} (the oldest TCPRoute there, then the first by namespace/name), so this route gets no connection through it");
                        continue;
                    }
                    if (route.UdpTarget is { } udp)
                    {
                        // As a TCPRoute: attached and counted wherever it is allowed; the port's clients go to the oldest.
                        info.Claims.Add((route.Kind, key, null));
                        info.Attached++;
                        attached++;
                        if (!info.Distinct || !info.Usable) continue;
                        var udpBuilder = listenerFor(info.Bind, "", ListenerKind.Udp, false, null);
                        if (!udpBuilder.SetUdpRoute(udp) && udpBuilder.UdpRoute != udp) // not itself, through another parentRef
                            shadowed.Add($"listener {info.Listener.Name}: UDP port {info.Listener.Port} serves {udpBuilder.UdpRoute!.Name} (the oldest UDPRoute there, then the first by namespace/name), so this route gets no datagram through it");
                        continue;
                    }
                    if (route.TlsTarget is { } tls)
                    {
                        if (!info.Distinct)
                        {
                            // Attached and counted (Gateway API), but it serves nothing and claimed no server name.
                            info.Claims.Add((route.Kind, key, []));
                            info.Attached++;
                            attached++;
                            continue;
                        }
                        // The server names this route serves through this listener (ResolveServerNames decided who serves each).
                        var served = _serverNames.GetValueOrDefault((info, key)) ?? [];
                        var lost = hosts!.Select(h => (Host: h, Holder: _serverNameHolders[(info.Bind, h.ToLowerInvariant())]))
                            .Where(l => l.Holder.Route != key).Select(l => $"{l.Host} (served by {TlsRouteKind} {l.Holder.Route} through listener {l.Holder.Listener})").ToList();
                        if (served.Count == 0 && lost.Count == hosts!.Count)
                        {
                            conflicts.Add($"listener {info.Listener.Name}: its hostnames are taken: {string.Join(", ", lost)}");
                            continue;
                        }
                        if (lost.Count > 0) partial.Add($"listener {info.Listener.Name}: not {string.Join(", ", lost)}");
                        info.Claims.Add((route.Kind, key, served));
                        info.Attached++;
                        attached++;
                        if (!info.Usable) continue;
                        var tlsBuilder = listenerFor(info.Bind, "", KindOf(info.Listener)!.Value, ProxyProtocolAnnotations.Accepts(info.Gateway.Metadata.Annotations, out _), info.ClientIpDetection);
                        var target = ClientValidationOf(info) is { } checkedBy ? tls.ValidatedBy(checkedBy) : tls;
                        foreach (var h in served) tlsBuilder.AddTlsRoute(h, target);
                        continue;
                    }
                    info.Claims.Add((route.Kind, key, hosts));
                    info.Attached++;
                    attached++;
                    if (!info.Usable) continue;
                    var builder = listenerFor(info.Bind, "", KindOf(info.Listener)!.Value, ProxyProtocolAnnotations.Accepts(info.Gateway.Metadata.Annotations, out _), info.ClientIpDetection);
                    var validation = ClientValidationOf(info);
                    foreach (var (precedence, shared) in EntriesFor(route, info.Gateway))
                    {
                        var entry = validation is null ? shared : shared.ValidatedBy(validation);
                        if (hosts is null) builder.Add(null, precedence, entry, info.Listener.Hostname);
                        else foreach (var h in hosts) builder.Add(h, precedence, entry, info.Listener.Hostname);
                    }
                }
                if (attached == 0 && conflicts.Count > 0) (reason, message) = ("Conflicted", string.Join("; ", conflicts));
                else if (attached == 0) (reason, message) = ("NoMatchingListenerHostname", "no listener hostname intersects the route's hostnames");
                else if (servingOld)
                    // Gateway API's PartiallyInvalid, "Fall Back": Accepted stays True for the last good generation, and this
                    // condition, whose message starts "Fall Back", says why the current one is not served.
                    fallBack = $"Fall Back: {string.Join("; ", ruleErrors)}; still serving "
                        + (route.Served.Metadata.Generation is { } generation ? $"generation {generation}, the last accepted" : "the last accepted version"); // files carry no generation
                else if (conflicts.Count > 0 || partial.Count > 0 || shadowed.Count > 0)
                    message = string.Join("; ", new[] { $"attached to {attached} listener(s)" }
                        .Concat(conflicts.Select(c => $"not to {c}")).Concat(partial.Select(p => $"hostnames taken on {p}")).Concat(shadowed));
            }
            var ok = reason is null;
            var resolved = refErrors.Count == 0;
            List<V1Condition> conditions =
            [
                Conditions.Make("Accepted", ok, reason ?? "Accepted", message ?? $"attached to {attached} listener(s)", fallBack is null ? gen : route.Served.Metadata.Generation ?? gen, previous, now),
                Conditions.Make("ResolvedRefs", resolved, resolved ? "ResolvedRefs" : refErrors[0].Reason, resolved ? "all backend references resolved" : string.Join("; ", refErrors.Select(e => e.Message)), gen, previous, now),
            ];
            if (fallBack is not null) conditions.Add(Conditions.Make("PartiallyInvalid", true, "UnsupportedValue", fallBack, gen, previous, now));
            parents.Add(new RouteParentStatus { ParentRef = parent, ControllerName = ControllerName, Conditions = conditions });
        }
        if (parents.Count > 0 || route.PreviousParents?.Any(p => p.ControllerName == ControllerName) == true)
        {
            var kept = route.PreviousParents?.Where(p => p.ControllerName != ControllerName) ?? [];
            RouteStatuses.Add(new RouteStatusUpdate(route.Object, [.. kept, .. parents]));
        }
    }

    /// <summary>A RequestMirror filter: its backend (resolved like a backendRef, spoken to in <paramref name="protocol"/> when given) and the share of requests copied.</summary>
    private RequestMirror Mirror(string routeKind, string ns, HTTPRequestMirrorFilter mirror, int ri, List<string> errors, List<(string Reason, string Message)> refErrors, GatewayClientCertificate? client, UpstreamProtocol? protocol = null)
    {
        var (numerator, denominator) = mirror.Fraction is { } fr ? (fr.Numerator, fr.Denominator ?? 100) : (mirror.Percent ?? 100, 100);
        if (denominator <= 0 || numerator < 0 || numerator > denominator) errors.Add($"rule {ri}: requestMirror: fraction {numerator}/{denominator} must be between 0 and 1");
        var r = mirror.BackendRef;
        var target = ResolveRef(routeKind, ns, r.Group, r.Kind, r.Name, r.Namespace, r.Port, 1, "requestMirror backendRef", refErrors, client);
        return new RequestMirror(protocol is null ? target : target.With(protocol: protocol), numerator, denominator);
    }

    private static bool SameParent(ParentReference a, ParentReference b, string routeNs) =>
        a.Name == b.Name && (a.Namespace ?? routeNs) == (b.Namespace ?? routeNs) && a.SectionName == b.SectionName && a.Port == b.Port
        && (a.Kind ?? "Gateway") == (b.Kind ?? "Gateway") && (a.Group ?? GatewayApi.Group) == (b.Group ?? GatewayApi.Group);

    /// <param name="client">The client certificate of the Gateway the entries are for, which backends under a BackendTLSPolicy present; null: none.</param>
    private List<(MatchPrecedence, RouteEntry)> CompileRules(HTTPRoute route, out List<string> errorsOut, out List<(string Reason, string Message)> refErrors, GatewayClientCertificate? client = null)
    {
        var errors = errorsOut = [];
        refErrors = [];
        var ns = route.Metadata.NamespaceProperty ?? "default";
        var owner = $"{ns}/{route.Metadata.Name}";
        var created = route.Metadata.CreationTimestamp ?? DateTime.MinValue;
        var result = new List<(MatchPrecedence, RouteEntry)>();
        var rules = route.Spec.Rules is { Count: > 0 } r ? r : [new HTTPRouteRule()];
        for (var ri = 0; ri < rules.Count; ri++)
        {
            var rule = rules[ri];
            var name = $"httproute {owner} rule {rule.Name ?? ri.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            var filters = new List<IRequestFilter>();
            HeaderEdits? responseEdits = null;
            RedirectFilter? redirect = null;
            var mirrors = new List<RequestMirror>();
            RuleTraffic? traffic = null;
            CorsPolicy? cors = null;
            List<ExternalAuthFilter>? externalAuth = null;
            var ruleFilters = rule.Filters ?? [];
            for (var fi = 0; fi < ruleFilters.Count; fi++)
            {
                var f = ruleFilters[fi];
                switch (f.Type)
                {
                    case GatewayApi.FilterTypes.RequestHeaderModifier when f.RequestHeaderModifier is { } m:
                        filters.Add(new RequestHeaderFilter(Edits(m, $"rule {ri}: {f.Type}", errors)));
                        break;
                    case GatewayApi.FilterTypes.ResponseHeaderModifier when f.ResponseHeaderModifier is { } m:
                        responseEdits = Edits(m, $"rule {ri}: {f.Type}", errors);
                        break;
                    case GatewayApi.FilterTypes.URLRewrite when f.UrlRewrite is { } u:
                        filters.Add(new UrlRewriteFilter(u.Hostname, PathMod(u.Path)));
                        break;
                    case GatewayApi.FilterTypes.RequestRedirect when f.RequestRedirect is { } d:
                        redirect = new RedirectFilter(d.Scheme, d.Hostname, d.Port, PathMod(d.Path), d.StatusCode ?? 302);
                        break;
                    case GatewayApi.FilterTypes.ExtensionRef when Traffic is not null && TrafficFilterCompiler.Handles(f.ExtensionRef):
                        if (traffic is not null) errors.Add($"rule {ri}: at most one HTTPTrafficFilter per rule");
                        traffic = Traffic.Compile(ns, f.ExtensionRef!.Name, name);
                        if (traffic.Error is not null) refErrors.Add(("BackendNotFound", $"rule {ri}: extensionRef: {traffic.Error}"));
                        break;
                    case GatewayApi.FilterTypes.RequestMirror when f.RequestMirror is { } mirror:
                        mirrors.Add(Mirror(HttpRouteKind, ns, mirror, ri, errors, refErrors, client));
                        break;
                    case GatewayApi.FilterTypes.CORS when f.Cors is { } c:
                        if (cors is not null) errors.Add($"rule {ri}: at most one CORS filter per rule");
                        cors = Cors(c, ri, fi, errors) ?? cors;
                        break;
                    case GatewayApi.FilterTypes.ExternalAuth when f.ExternalAuth is { } a:
                        if (CompileExternalAuth(ns, a, ri, fi, errors, refErrors, client) is { } compiled) (externalAuth ??= []).Add(compiled);
                        break;
                    case GatewayApi.FilterTypes.ExtensionRef when Traffic is not null:
                        errors.Add($"rule {ri}: filter {FilterName(f.Type, f.ExtensionRef)} is not supported by {ControllerName} (ExtensionRef to {HTTPTrafficFilter.Group}/{HTTPTrafficFilter.KindName} is)");
                        break;
                    default:
                        errors.Add($"rule {ri}: filter {f.Type} is not supported by {ControllerName}");
                        break;
                }
            }
            var backendList = new List<Backend>();
            foreach (var b in rule.BackendRefs ?? [])
            {
                var backend = ResolveRef(HttpRouteKind, ns, b.Group, b.Kind, b.Name, b.Namespace, b.Port, b.Weight ?? 1, "backendRef", refErrors, client);
                backendList.Add(b.Filters is { Count: > 0 } backendFilters ? WithBackendFilters(backend, backendFilters, responseEdits, $"rule {ri}: backendRef {b.Name}", errors) : backend);
            }
            var timeouts = rule.Timeouts;
            TimeSpan? requestTimeout = GatewayDuration.TryParse(timeouts?.Request, out var rt) && rt > TimeSpan.Zero ? rt : null;
            TimeSpan? backendTimeout = GatewayDuration.TryParse(timeouts?.BackendRequest, out var bt) && bt > TimeSpan.Zero ? bt : null;
            var retry = RetryPolicy.Default;
            if (rule.Retry is { } rr)
            {
                retry = new RetryPolicy
                {
                    Attempts = rr.Attempts ?? RetryPolicy.Default.Attempts,
                    Codes = (rr.Codes ?? []).ToHashSet(),
                    Backoff = GatewayDuration.TryParse(rr.Backoff, out var bo) ? bo : RetryPolicy.Default.Backoff,
                };
            }
            var compiledRule = new RouteRule
            {
                Name = name,
                RequestFilters = filters,
                ResponseEdits = responseEdits,
                Redirect = redirect,
                Backends = new BackendGroup(backendList),
                Mirrors = mirrors,
                RequestTimeout = requestTimeout,
                BackendTimeout = backendTimeout,
                Retry = retry,
                Traffic = traffic,
                Cors = cors,
                ExternalAuth = externalAuth?.ToArray(),
                Session = rule.SessionPersistence is { } sp ? CompileSession(sp, name, ri, backendList, errors) : null,
            };
            var matches = rule.Matches is { Count: > 0 } ms ? ms : [new HTTPRouteMatch()];
            for (var mi = 0; mi < matches.Count; mi++)
            {
                var m = matches[mi];
                var type = m.Path?.Type ?? GatewayApi.PathMatchTypes.PathPrefix;
                var value = m.Path?.Value ?? "/";
                PathMatcher? path = type switch
                {
                    GatewayApi.PathMatchTypes.Exact => PathMatcher.Exact(value),
                    GatewayApi.PathMatchTypes.RegularExpression => PathMatcher.RegularExpression(value, out var e) ?? Fail<PathMatcher>(e),
                    _ => PathMatcher.Prefix(value),
                };
                var headers = new List<ValueMatcher>();
                foreach (var h in FirstOfEachName(m.Headers))
                    headers.Add(h.Type == GatewayApi.ValueMatchTypes.RegularExpression ? ValueMatcher.RegularExpression(h.Name, h.Value, out var e) ?? Fail<ValueMatcher>(e)! : ValueMatcher.Exact(h.Name, h.Value));
                var query = new List<ValueMatcher>();
                foreach (var q in m.QueryParams ?? [])
                    query.Add(q.Type == GatewayApi.ValueMatchTypes.RegularExpression ? ValueMatcher.RegularExpression(q.Name, q.Value, out var e) ?? Fail<ValueMatcher>(e)! : ValueMatcher.Exact(q.Name, q.Value));
                if (path is null || headers.Any(h => h is null) || query.Any(q => q is null)) continue;
                var entry = new RouteEntry { Path = path, Method = m.Method, Headers = [.. headers], Query = [.. query], Rule = compiledRule };
                var key = new MatchPrecedence(MatchPrecedence.GatewayRank(path.Kind), path.Value.Length, m.Method is not null, headers.Count, query.Count, created, owner, ri, mi);
                result.Add((key, entry));
            }

            T? Fail<T>(string? error) where T : class
            {
                errors.Add($"rule {ri}: {error}");
                return null;
            }
        }
        return result;
    }

    /// <summary>
    /// A rule's CORS filter, checked again with the model's rules (an object read without validation must not half
    /// work): null, and an error naming each problem, when it is invalid.
    /// </summary>
    private static CorsPolicy? Cors(HTTPCORSFilter filter, int ri, int fi, List<string> errors)
    {
        var problems = Model.Validation.Gateway.HTTPCORSFilterRules.Validate(filter, $"spec.rules[{ri}].filters[{fi}].cors");
        if (problems.Count == 0) return CorsPolicy.From(filter);
        errors.Add($"rule {ri}: CORS: {string.Join("; ", problems)}");
        return null;
    }

    /// <summary>A Service reference of a route (backendRef or requestMirror) resolved to a backend; a broken one answers 500 and is reported in ResolvedRefs.</summary>
    private Backend ResolveRef(string routeKind, string ns, string? group, string? kind, string name, string? refNs, int? port, int weight, string what, List<(string Reason, string Message)> refErrors, GatewayClientCertificate? client)
    {
        var bns = refNs ?? ns;
        var display = $"{bns}/{name}:{port}";
        if ((group ?? "") != "" || (kind ?? "Service") != "Service")
        {
            refErrors.Add(("InvalidKind", $"{what} {kind}/{name}: only Services are supported"));
            return BackendResolver.Broken(display, $"kind {group}/{kind} is not supported", weight);
        }
        if (bns != ns && !Granted(GatewayApi.Group, routeKind, ns, "", "Service", bns, name))
        {
            refErrors.Add(("RefNotPermitted", $"{what} {bns}/{name}: no ReferenceGrant in {bns} allows {routeKind}s from {ns}"));
            return BackendResolver.Broken(display, "reference not permitted", weight);
        }
        if (port is null)
        {
            refErrors.Add(("BackendNotFound", $"{what} {bns}/{name}: port is required"));
            return BackendResolver.Broken(display, "no port", weight);
        }
        var backend = backends.Resolve(bns, name, port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), weight, client, routeKind == UdpRouteKind ? "UDP" : "TCP");
        if (backend.Error is not null) refErrors.Add(("BackendNotFound", $"{what} {display}: {backend.Error}"));
        return backend;
    }

    /// <summary>
    /// A backendRef's own filters (Gateway API: run only when the request goes to that backend). RequestHeaderModifier
    /// and ResponseHeaderModifier are supported; the response changes follow the rule's own.
    /// </summary>
    private Backend WithBackendFilters(Backend backend, IList<HTTPRouteFilter> filters, HeaderEdits? ruleResponseEdits, string where, List<string> errors)
    {
        HeaderEdits? request = null, response = null;
        foreach (var f in filters)
        {
            switch (f.Type)
            {
                case GatewayApi.FilterTypes.RequestHeaderModifier when f.RequestHeaderModifier is { } m:
                    RefuseHeaders(m, $"{where}: {f.Type}", ProxySetHeaders, "the proxy sets it after the rule's filters, so only a rule's filter can change it", errors);
                    request = HeaderEdits.Chain(request, Edits(m, $"{where}: {f.Type}", errors));
                    break;
                case GatewayApi.FilterTypes.ResponseHeaderModifier when f.ResponseHeaderModifier is { } m:
                    response = HeaderEdits.Chain(response, Edits(m, $"{where}: {f.Type}", errors));
                    break;
                default:
                    errors.Add($"{where}: filter {FilterName(f.Type, f.ExtensionRef)} is not supported on a backendRef by {ControllerName} (RequestHeaderModifier and ResponseHeaderModifier are; other filters go on the rule)");
                    break;
            }
        }
        return backend.With(requestEdits: request, responseEdits: HeaderEdits.Chain(ruleResponseEdits, response));
    }

    /// <summary>A header filter's changes; an error in <paramref name="errors"/> for each framing header it would touch.</summary>
    private static HeaderEdits Edits(HTTPHeaderFilter m, string where, List<string> errors)
    {
        RefuseHeaders(m, where, FramingHeaders, "it delimits the message body, which the proxy frames itself", errors);
        return new(Pairs(m.Set), Pairs(m.Add), [.. m.Remove ?? []]);
    }

    /// <summary>Headers that delimit a message body: the proxy frames bodies itself, so a filter that changed them would desynchronize a connection.</summary>
    private static readonly string[] FramingHeaders = ["Content-Length", "Transfer-Encoding"];

    /// <summary>Headers the proxy writes after the rule's filters and before a backendRef's (X-Forwarded-*, Forwarded, traceparent).</summary>
    private static readonly string[] ProxySetHeaders = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Client-Cert", "Forwarded", "traceparent"];

    /// <summary>An error for each header in <paramref name="refused"/> that the filter sets, adds or removes.</summary>
    private static void RefuseHeaders(HTTPHeaderFilter m, string where, string[] refused, string reason, List<string> errors)
    {
        var named = (m.Set ?? []).Select(h => h.Name).Concat((m.Add ?? []).Select(h => h.Name)).Concat(m.Remove ?? []);
        foreach (var name in named.Where(n => refused.Contains(n, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase))
            errors.Add($"{where}: header {name} can not be changed: {reason}");
    }

    private static List<KeyValuePair<string, string>> Pairs(IList<HTTPHeader>? headers) => [.. (headers ?? []).Select(h => new KeyValuePair<string, string>(h.Name, h.Value))];

    private static PathRewrite? PathMod(HTTPPathModifier? p) => p?.Type switch
    {
        GatewayApi.PathModifierTypes.ReplaceFullPath => new PathRewrite(true, p.ReplaceFullPath ?? "/"),
        GatewayApi.PathModifierTypes.ReplacePrefixMatch => new PathRewrite(false, p.ReplacePrefixMatch ?? "/"),
        _ => null,
    };
}

internal sealed record GatewayStatusUpdate(Gateway Gateway, GatewayStatus Status);

internal sealed record GatewayClassStatusUpdate(GatewayClass Class, GatewayClassStatus Status);

/// <summary>The parents a route's status should list (other controllers' entries kept), for an HTTPRoute, a GRPCRoute, a TLSRoute, a TCPRoute or a UDPRoute.</summary>
internal sealed record RouteStatusUpdate(IKubernetesObject<V1ObjectMeta> Route, IList<RouteParentStatus> Parents)
{
    /// <summary>The parents the route's status lists now.</summary>
    public IList<RouteParentStatus>? Current => Route switch
    {
        HTTPRoute h => h.Status?.Parents,
        GRPCRoute g => g.Status?.Parents,
        TLSRoute t => t.Status?.Parents,
        TCPRoute t => t.Status?.Parents,
        UDPRoute u => u.Status?.Parents,
        _ => null,
    };

    /// <summary>The status object of the route's kind.</summary>
    public object Status => Route switch
    {
        GRPCRoute => new GRPCRouteStatus { Parents = Parents },
        TLSRoute => new TLSRouteStatus { Parents = Parents },
        TCPRoute => new TCPRouteStatus { Parents = Parents },
        UDPRoute => new UDPRouteStatus { Parents = Parents },
        _ => new HTTPRouteStatus { Parents = Parents },
    };

    /// <summary>A copy of the route carrying the new status, to write to the store.</summary>
    public IKubernetesObject<V1ObjectMeta> WithStatus()
    {
        switch (Route)
        {
            case GRPCRoute g:
                var grpc = Model.Resources.ResourceJson.Clone(g);
                grpc.Status = new GRPCRouteStatus { Parents = Parents };
                return grpc;
            case TLSRoute t:
                var tls = Model.Resources.ResourceJson.Clone(t);
                tls.Status = new TLSRouteStatus { Parents = Parents };
                return tls;
            case TCPRoute t:
                var tcp = Model.Resources.ResourceJson.Clone(t);
                tcp.Status = new TCPRouteStatus { Parents = Parents };
                return tcp;
            case UDPRoute u:
                var udp = Model.Resources.ResourceJson.Clone(u);
                udp.Status = new UDPRouteStatus { Parents = Parents };
                return udp;
            default:
                var http = Model.Resources.ResourceJson.Clone((HTTPRoute)Route);
                http.Status = new HTTPRouteStatus { Parents = Parents };
                return http;
        }
    }
}
