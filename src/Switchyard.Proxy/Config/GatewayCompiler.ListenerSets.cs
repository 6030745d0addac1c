using System.Net;
using k8s.Models;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.ClientIp;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.Config;

/// <summary>
/// Listeners, a Gateway's own and those ListenerSets add (GEP-1713). A Gateway's merged list is its own listeners,
/// then those of the ListenerSets its <c>allowedListeners</c> admits, oldest first (then by namespace/name). A
/// ListenerSet listener that is not distinct from one before it (same address and port with a protocol that cannot
/// share it, or the same hostname in one protocol or in the group of HTTPS and TLS) is Conflicted and not served;
/// those before it keep serving. Routes reach ListenerSet listeners only through a parentRef of kind ListenerSet: a
/// route attached to the Gateway gets its own listeners only.
/// </summary>
internal sealed partial class GatewayCompiler
{
    private const string ListenerSetKind = "ListenerSet";

    /// <summary>A parent routes name: a Gateway or a ListenerSet, by namespace and name.</summary>
    private readonly record struct ParentKey(string Kind, string Ns, string Name)
    {
        public static ParentKey Of(Gateway g) => new("Gateway", g.Metadata.NamespaceProperty ?? "default", g.Metadata.Name);

        public static ParentKey Of(ListenerSet s) => new(ListenerSetKind, s.Metadata.NamespaceProperty ?? "default", s.Metadata.Name);

        /// <summary>The parent a route's parentRef names; null when it is neither a Gateway nor a ListenerSet of gateway.networking.k8s.io.</summary>
        public static ParentKey? Of(ParentReference p, string routeNs) =>
            (p.Group ?? GatewayApi.Group) == GatewayApi.Group && (p.Kind ?? "Gateway") is "Gateway" or ListenerSetKind
                ? new ParentKey(p.Kind ?? "Gateway", p.Namespace ?? routeNs, p.Name)
                : null;
    }

    /// <summary>
    /// One warning per parentRef that names a Gateway or ListenerSet absent from the inputs (of any class): nothing serves
    /// the route through it, and the route's status cannot say so, as it lists only the parents a controller serves. A
    /// typo in a parentRef would otherwise show only as requests that find no route.
    /// </summary>
    internal static IEnumerable<string> MissingParents(ProxyInputs inputs)
    {
        var parents = inputs.Gateways.Select(ParentKey.Of).Concat(inputs.ListenerSets.Select(ParentKey.Of)).ToHashSet();
        IEnumerable<(string Kind, V1ObjectMeta Meta, IList<ParentReference>? Refs)> routes =
        [
            .. inputs.HttpRoutes.Select(r => (HttpRouteKind, r.Metadata, r.Spec.ParentRefs)),
            .. inputs.GrpcRoutes.Select(r => (GrpcRouteKind, r.Metadata, r.Spec.ParentRefs)),
            .. inputs.TlsRoutes.Select(r => (TlsRouteKind, r.Metadata, r.Spec.ParentRefs)),
            .. inputs.TcpRoutes.Select(r => (TcpRouteKind, r.Metadata, r.Spec.ParentRefs)),
            .. inputs.UdpRoutes.Select(r => (UdpRouteKind, r.Metadata, r.Spec.ParentRefs)),
        ];
        foreach (var (kind, meta, refs) in routes)
        {
            var ns = meta.NamespaceProperty ?? "default";
            foreach (var parent in refs ?? [])
            {
                if (ParentKey.Of(parent, ns) is { } key && !parents.Contains(key))
                    yield return $"{kind} {ns}/{meta.Name}: parentRef {key.Kind} {key.Ns}/{key.Name} does not exist; the route is not served through it";
            }
        }
    }

    /// <summary>What the listeners compiled so far hold, by bind address: the order of compiling is the order of precedence.</summary>
    private sealed class ListenerSockets
    {
        /// <summary>
        /// What each address and port serves ("HTTP", "TLS (Passthrough)", ...) as its first listener does, the family of
        /// protocols that may share it (<see cref="Family"/>), and that first listener. UDP ports (Datagram) are a space of
        /// their own: Gateway API lets a TCP and a UDP listener share a port number.
        /// </summary>
        public Dictionary<(IPEndPoint Bind, bool Datagram), (string Serves, string Family, ListenerInfo First)> ProtocolAt { get; } = [];

        /// <summary>The listener holding each (address and port, family, hostname; "" for none).</summary>
        public Dictionary<(IPEndPoint Bind, string Family, string Host), ListenerInfo> HostAt { get; } = [];

        /// <summary>HTTPS listeners accepted but not programmed (no usable certificate or CA): see <see cref="IsolateUnserved"/>.</summary>
        public List<ListenerInfo> Unserved { get; } = [];
    }

    /// <summary>
    /// An HTTPS listener that is not programmed binds nothing; on a port other listeners serve, its hostname still takes
    /// part in listener isolation, so its requests get 404 rather than another listener's routes (another team's
    /// wildcard listener would otherwise serve a name whose own listener is broken).
    /// </summary>
    private void IsolateUnserved(ListenerSockets sockets)
    {
        foreach (var info in sockets.Unserved)
        {
            if (!_boundHere.Contains(info.Bind)) continue;
            listenerFor(info.Bind, "", KindOf(info.Listener)!.Value, false, null).AddUnservedHostname(info.Listener.Hostname);
        }
    }

    /// <summary>The bind addresses a programmed listener has a builder for.</summary>
    private readonly HashSet<IPEndPoint> _boundHere = [];

    /// <summary>ListenerSets naming one of our Gateways, in precedence order, and why one is not attached (null: it is).</summary>
    private readonly List<(ListenerSet Set, Gateway Gateway, string? NotAllowed)> _listenerSets = [];

    /// <summary>ListenerSets of our Gateways that the Gateway does not admit, and why: routes naming them are told.</summary>
    private readonly Dictionary<ParentKey, string> _detachedSets = [];

    public List<ListenerSetStatusUpdate> ListenerSetStatuses { get; } = [];

    /// <summary>
    /// Checks one listener against those compiled before it, sets its conditions, and registers it (with its
    /// certificate and client validation) on the builder of its address.
    /// </summary>
    private ListenerInfo AddListener(ListenerInfo info, ListenerSockets sockets)
    {
        var l = info.Listener;
        var (gen, prev) = (info.Generation, info.Previous);
        var inSet = info.Set is not null;
        if (KindOf(l) is not { } kind)
        {
            Reject(info);
            info.Conditions.Add(Conditions.Make("Accepted", false, "UnsupportedProtocol", $"protocol {l.Protocol} is not served by {ControllerName}; use HTTP, HTTPS, TLS, TCP or UDP", gen, prev, now));
            info.Conditions.Add(Conditions.Make("Programmed", false, "Invalid", "listener is not accepted", gen, prev, now));
            return info;
        }
        // The Gateway's PROXY protocol annotation covers its listeners and those ListenerSets add to it; an invalid value fails closed.
        var proxyProtocol = ProxyProtocolAnnotations.Accepts(info.Gateway.Metadata.Annotations, out var proxyProtocolValid);
        if (!proxyProtocolValid)
        {
            Reject(info);
            var why = $"gateway {Key(info.Gateway.Metadata)}: {ProxyProtocolAnnotations.PathOf(ProxyProtocolAnnotations.Gateway)}: '{info.Gateway.Metadata.Annotations![ProxyProtocolAnnotations.Gateway]}' is not one of {string.Join(", ", ProxyProtocolAnnotations.GatewayValues)}";
            info.Conditions.Add(Conditions.Make("Accepted", false, "UnsupportedValue", why, gen, prev, now));
            info.Conditions.Add(Conditions.Make("Programmed", false, "Invalid", "listener is not accepted", gen, prev, now));
            return info;
        }
        // Its X-Forwarded-For annotations likewise (trusted CIDRs or trusted hops, not both). Only HTTP requests read the
        // header, but listeners sharing a socket must agree on it, TLS ones too: on a port shared by HTTPS and TLS
        // listeners the HTTPS requests use it.
        var forwardedForProblems = new List<ForwardedForProblem>();
        var forwardedFor = ForwardedForAnnotations.Of(info.Gateway.Metadata.Annotations, forwardedForProblems);
        if (forwardedForProblems.Count > 0)
        {
            Reject(info);
            var why = $"gateway {Key(info.Gateway.Metadata)}: " + string.Join("; ", forwardedForProblems.GroupBy(p => p.Annotation).Select(g =>
                $"{ProxyProtocolAnnotations.PathOf(g.Key)}: " + string.Join("; ", g.Select(p => p.Entry is null ? p.Problem : $"'{p.Entry}': {p.Problem}"))));
            info.Conditions.Add(Conditions.Make("Accepted", false, "UnsupportedValue", why, gen, prev, now));
            info.Conditions.Add(Conditions.Make("Programmed", false, "Invalid", "listener is not accepted", gen, prev, now));
            return info;
        }
        info.ClientIpDetection = ClientIpDetection.Of(forwardedFor);
        // Listeners sharing a port share one socket: they must speak the same protocol, or be HTTPS and TLS listeners
        // (either mode), told apart by server name; with or without a PROXY protocol header before it, finding the client
        // in X-Forwarded-For the same way (the same load balancer is in front of all of them, and a request's client is
        // known before its route, for a 404 too).
        var behind = (proxyProtocol ? " behind the PROXY protocol" : "")
            + (info.ClientIpDetection is { } detection ? $" {detection.Text}" : "");
        var serves = kind switch { ListenerKind.TlsPassthrough => "TLS (Passthrough)", ListenerKind.TlsTerminate => "TLS (Terminate)", _ => l.Protocol } + behind;
        var family = Family(kind) + behind;
        var socket = (info.Bind, kind == ListenerKind.Udp);
        if (sockets.ProtocolAt.TryGetValue(socket, out var existing) && existing.Family != family)
        {
            if (inSet) return Conflicted(info, "ProtocolConflict", $"port {l.Port} already serves {existing.Serves} for {Holder(info, existing.First)}");
            Reject(info);
            info.Conditions.Add(Conditions.Make("Conflicted", true, "ProtocolConflict", $"{info.Bind} already serves {existing.Serves}", gen, prev, now));
            info.Conditions.Add(Conditions.Make("Accepted", false, "ProtocolConflict", $"{info.Bind} already serves {existing.Serves}", gen, prev, now));
            info.Conditions.Add(Conditions.Make("Programmed", false, "Invalid", "listener conflicts with another", gen, prev, now));
            return info;
        }
        // Gateway API: in a group of HTTPS and TLS listeners on one port, each hostname is unique (one may have none).
        // Within one kind, a Gateway's own listeners are kept distinct by API validation (TLS of both modes is one protocol
        // there); the rule holds for Gateways merged on one address too, so a later Gateway's listener that repeats an
        // earlier one's port and hostname is Conflicted (it would otherwise serve its routes on the earlier one's traffic).
        var hostKey = (info.Bind, family, (l.Hostname ?? "").ToLowerInvariant());
        if (sockets.HostAt.TryGetValue(hostKey, out var holder) && (inSet || KindOf(holder.Listener) != kind || holder.Gateway != info.Gateway))
        {
            var host = l.Hostname is null ? "no hostname (any host)" : $"hostname {l.Hostname}";
            var why = $"{serves} port {l.Port} with {host} is already served for {Holder(info, holder)}";
            if (inSet) return Conflicted(info, "HostnameConflict", why);
            Reject(info);
            info.Conditions.Add(Conditions.Make("Conflicted", true, "HostnameConflict", why, gen, prev, now));
            info.Conditions.Add(Conditions.Make("Accepted", false, "HostnameConflict", why, gen, prev, now));
            info.Conditions.Add(Conditions.Make("Programmed", false, "Invalid", "listener conflicts with another", gen, prev, now));
            return info;
        }
        sockets.ProtocolAt.TryAdd(socket, (serves, family, info));
        sockets.HostAt.TryAdd(hostKey, info);
        var refsOk = true;
        var refReason = "ResolvedRefs";
        var refMessage = "all references resolved";
        ServingCertificate? certificate = null;
        if (kind is ListenerKind.Https or ListenerKind.TlsTerminate)
        {
            (certificate, var reason, var error) = Certificate(info);
            if (certificate is null)
            {
                refsOk = false;
                (refReason, refMessage) = (reason, error!);
            }
            else if (TlsSecrets.Validity(certificate, now) is { } invalid)
            {
                Warnings.Add($"{(info.Set is null ? $"gateway {Key(info.Gateway.Metadata)}" : $"listenerset {Key(info.Set.Metadata)}")} listener {info.Listener.Name}: {invalid}");
            }
        }

        // GEP-1713: a ListenerSet listener whose references do not resolve is not accepted (a Gateway's own stays Accepted).
        info.Conditions.Add(inSet && !refsOk
            ? Conditions.Make("Accepted", false, "Invalid", $"no usable certificate: {refMessage}", gen, prev, now)
            : Conditions.Make("Accepted", true, "Accepted", "listener accepted", gen, prev, now));
        // Kinds in allowedRoutes.kinds the listener cannot serve are left out of supportedKinds and make ResolvedRefs
        // False/InvalidRouteKinds; the listener goes on serving the kinds it can (a certificate problem is named first).
        var invalidKinds = InvalidRouteKinds(l);
        var (resolvedReason, resolvedMessage) = invalidKinds is null ? (refReason, refMessage)
            : refsOk ? ("InvalidRouteKinds", invalidKinds) : (refReason, $"{refMessage}; {invalidKinds}");
        info.Conditions.Add(Conditions.Make("ResolvedRefs", refsOk && invalidKinds is null, resolvedReason, resolvedMessage, gen, prev, now));
        info.Conditions.Add(Conditions.Make("Programmed", refsOk, refsOk ? "Programmed" : "Invalid", refsOk ? $"serving on {info.Bind}" : "no usable certificate", gen, prev, now));
        info.Usable = refsOk;
        var validation = kind is ListenerKind.Https or ListenerKind.TlsTerminate ? ValidationFor(info) : null;
        // A listener that is not programmed (no usable certificate or CA) binds nothing (no socket that accepts connections
        // only to close them), and takes no part in listener isolation on a port it would share.
        if (!info.Usable)
        {
            if (kind == ListenerKind.Https) sockets.Unserved.Add(info);
            return info;
        }
        _boundHere.Add(info.Bind);
        var builder = listenerFor(info.Bind, $"{info.Owner} port {l.Port}", kind, proxyProtocol, info.ClientIpDetection);
        builder.AddServerName(l.Hostname, kind);
        if (certificate is not null) builder.Certificates[l.Hostname ?? ""] = certificate;
        if (kind is ListenerKind.Https or ListenerKind.TlsTerminate) builder.ClientValidation[l.Hostname ?? ""] = validation;
        return info;
    }

    /// <summary>
    /// Which listeners may share an address and port: HTTP ones, TCP ones (the port's oldest TCPRoute serves all of them),
    /// UDP ones (likewise, by the oldest UDPRoute; UDP ports are apart from the others, see <see cref="ListenerSockets"/>),
    /// or HTTPS and TLS ones (either mode), whose connections
    /// the ClientHello's server name tells apart (Gateway API's compatible group of HTTPS and TLS listeners with
    /// distinct hostnames; TLS of both modes is the TLSRouteModeMixed feature).
    /// </summary>
    private static string Family(ListenerKind kind) => kind switch { ListenerKind.Http => "HTTP", ListenerKind.Tcp => "TCP", ListenerKind.Udp => "UDP", _ => "HTTPS or TLS" };

    private static void Reject(ListenerInfo info)
    {
        info.Usable = false;
        info.Distinct = false;
    }

    /// <summary>A ListenerSet listener that is not distinct from one before it (GEP-1713: Conflicted, and PortUnavailable).</summary>
    private ListenerInfo Conflicted(ListenerInfo info, string reason, string message)
    {
        Reject(info);
        info.Conditions.Add(Conditions.Make("Accepted", false, "PortUnavailable", message, info.Generation, info.Previous, now));
        info.Conditions.Add(Conditions.Make("Programmed", false, "PortUnavailable", message, info.Generation, info.Previous, now));
        info.Conditions.Add(Conditions.Make("Conflicted", true, reason, message, info.Generation, info.Previous, now));
        return info;
    }

    /// <summary>
    /// Who holds what a ListenerSet listener wanted, as far as its author may know: the Gateway it attaches to, the
    /// same ListenerSet, or (not named: it may be another team's) an older ListenerSet or another Gateway.
    /// </summary>
    private static string Holder(ListenerInfo info, ListenerInfo first) => first switch
    {
        { Set: null } when first.Gateway == info.Gateway => $"listener {first.Listener.Name} of Gateway {Key(first.Gateway.Metadata)}",
        { Set: { } s } when s == info.Set => $"listener {first.Listener.Name} of this ListenerSet",
        { Set: null } => $"listener {first.Listener.Name} of Gateway {Key(first.Gateway.Metadata)} on the same address (older, or first by namespace/name)",
        _ => "a listener of another ListenerSet attached to the same Gateway before this one",
    };

    /// <summary>
    /// Adds the listeners of every ListenerSet naming one of <paramref name="gateways"/> that the Gateway admits, in
    /// precedence order; remembers the others, and why, for their status and for routes naming them.
    /// </summary>
    private void CompileListenerSets(List<Gateway> gateways, Dictionary<ParentKey, List<ListenerInfo>> listeners, ListenerSockets sockets)
    {
        var ours = gateways.ToDictionary(ParentKey.Of);
        var sets = inputs.ListenerSets.OrderBy(s => s.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(s => Key(s.Metadata), StringComparer.Ordinal);
        foreach (var set in sets)
        {
            var ns = set.Metadata.NamespaceProperty ?? "default";
            var p = set.Spec.ParentRef;
            if (p is null || (p.Group ?? GatewayApi.Group) != GatewayApi.Group || (p.Kind ?? "Gateway") != "Gateway") continue;
            if (!ours.TryGetValue(new ParentKey("Gateway", p.Namespace ?? ns, p.Name), out var gateway)) continue; // another controller's (or absent)
            var key = ParentKey.Of(set);
            if (NotAllowed(gateway, ns) is { } why)
            {
                _detachedSets[key] = why;
                _listenerSets.Add((set, gateway, why));
                continue;
            }
            var bind = BindAddress(gateway);
            listeners[key] = [.. (set.Spec.Listeners ?? []).Select(l => AddListener(new ListenerInfo(gateway, set, l, new IPEndPoint(bind, l.Port)), sockets))];
            _listenerSets.Add((set, gateway, null));
        }
    }

    /// <summary>Why <paramref name="gateway"/>'s allowedListeners refuses ListenerSets of namespace <paramref name="ns"/>; null when it admits them.</summary>
    private string? NotAllowed(Gateway gateway, string ns)
    {
        var allowed = gateway.Spec.AllowedListeners?.Namespaces;
        var from = allowed?.From ?? GatewayApi.FromNamespaces.None;
        var gwNs = gateway.Metadata.NamespaceProperty ?? "default";
        if (NamespaceSelected(from, allowed?.Selector, gwNs, ns)) return null;
        var name = $"Gateway {Key(gateway.Metadata)}";
        return from switch
        {
            GatewayApi.FromNamespaces.Same => $"{name} admits ListenerSets of its own namespace {gwNs} only (spec.allowedListeners.namespaces.from: Same)",
            GatewayApi.FromNamespaces.Selector => $"{name} admits ListenerSets of the namespaces its spec.allowedListeners.namespaces.selector matches, and {ns} does not match",
            _ => $"{name} admits no ListenerSet (spec.allowedListeners.namespaces.from: {from}; set Same, All or Selector to allow)",
        };
    }

    /// <summary>A ListenerSet is accepted when its Gateway admits it and at least one of its listeners is distinct.</summary>
    private static bool SetAccepted(List<ListenerInfo>? infos) => infos is not null && infos.Any(i => i.Distinct);

    /// <summary>Gateway status.attachedListenerSets: the ListenerSets naming it that it admits and that are accepted.</summary>
    private int AttachedListenerSets(Gateway gateway, Dictionary<ParentKey, List<ListenerInfo>> listeners) =>
        _listenerSets.Count(s => s.Gateway == gateway && s.NotAllowed is null && SetAccepted(listeners.GetValueOrDefault(ParentKey.Of(s.Set))));

    /// <summary>
    /// ListenerSet status (GEP-1713): Accepted and Programmed (False with NotAllowed when the Gateway does not admit it,
    /// ListenersNotValid when none of its listeners is distinct; Programmed also False, with Invalid, when it is accepted
    /// but none of its listeners can serve, as a Gateway's), and its own listeners' status, never the Gateway's.
    /// </summary>
    private void AddListenerSetStatuses(Dictionary<ParentKey, List<ListenerInfo>> listeners)
    {
        foreach (var (set, gateway, notAllowed) in _listenerSets)
        {
            var gen = set.Metadata.Generation;
            var prev = set.Status?.Conditions;
            var infos = listeners.GetValueOrDefault(ParentKey.Of(set)) ?? [];
            string reason, message;
            bool accepted;
            if (notAllowed is not null) (accepted, reason, message) = (false, "NotAllowed", notAllowed);
            else if (!SetAccepted(infos))
            {
                var why = infos.Select(i => $"{i.Listener.Name}: {i.Conditions.FirstOrDefault(c => c.Type == "Accepted")?.Message}");
                (accepted, reason, message) = (false, "ListenersNotValid", $"no listener can be added to Gateway {Key(gateway.Metadata)}: {string.Join("; ", why)}");
            }
            else
            {
                var rejected = infos.Where(i => !i.Distinct).Select(i => i.Listener.Name).ToList();
                (accepted, reason, message) = (true, "Accepted", rejected.Count == 0
                    ? $"listeners added to Gateway {Key(gateway.Metadata)}"
                    : $"listeners added to Gateway {Key(gateway.Metadata)}, except {string.Join(", ", rejected)} (see their conditions)");
            }
            var (programmed, programmedReason, programmedMessage) = (accepted, accepted ? "Programmed" : reason, accepted ? "listeners are programmed" : message);
            if (accepted && !infos.Any(i => i.Usable))
            {
                var why = infos.Select(i => $"{i.Listener.Name}: {i.Conditions.FirstOrDefault(c => c.Type == "Programmed")?.Message}");
                (programmed, programmedReason, programmedMessage) = (false, "Invalid", $"no listener can serve: {string.Join("; ", why)}");
            }
            var status = new ListenerSetStatus
            {
                Conditions =
                [
                    Conditions.Make("Accepted", accepted, reason, message, gen, prev, now),
                    Conditions.Make("Programmed", programmed, programmedReason, programmedMessage, gen, prev, now),
                ],
                Listeners = [.. infos.Select(i => new ListenerStatus
                {
                    Name = i.Listener.Name,
                    AttachedRoutes = i.Attached,
                    SupportedKinds = [.. KindsServed(i.Listener).Where(k => KindAllowed(i, k)).Select(k => new RouteGroupKind { Group = GatewayApi.Group, Kind = k })],
                    Conditions = i.Conditions,
                })],
            };
            ListenerSetStatuses.Add(new ListenerSetStatusUpdate(set, status));
        }
    }
}

/// <summary>The status a ListenerSet should have.</summary>
internal sealed record ListenerSetStatusUpdate(ListenerSet Set, ListenerSetStatus Status)
{
    /// <summary>True when the status the ListenerSet has says the same, timestamps aside.</summary>
    public bool Unchanged()
    {
        var current = Set.Status;
        if (current is null || !Conditions.Same(current.Conditions, Status.Conditions)) return false;
        if ((current.Listeners?.Count ?? 0) != (Status.Listeners?.Count ?? 0)) return false;
        for (var i = 0; i < (Status.Listeners?.Count ?? 0); i++)
        {
            var (x, y) = (current.Listeners![i], Status.Listeners![i]);
            if (x.Name != y.Name || x.AttachedRoutes != y.AttachedRoutes || !Conditions.Same(x.Conditions, y.Conditions)
                || string.Join(",", (x.SupportedKinds ?? []).Select(k => k.Kind)) != string.Join(",", (y.SupportedKinds ?? []).Select(k => k.Kind))) return false;
        }
        return true;
    }

    /// <summary>A copy of the ListenerSet carrying the new status, to write to the store.</summary>
    public ListenerSet WithStatus()
    {
        var copy = Model.Resources.ResourceJson.Clone(Set);
        copy.Status = Status;
        return copy;
    }
}
