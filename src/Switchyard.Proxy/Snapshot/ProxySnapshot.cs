using System.Collections.Frozen;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Switchyard.Proxy.Routing;
using Switchyard.Proxy.TcpRoutes;
using Switchyard.Proxy.TlsRoutes;
using Switchyard.Proxy.UdpRoutes;

namespace Switchyard.Proxy.Snapshot;

/// <summary>
/// The compiled, immutable configuration the data plane reads: one <see cref="ListenerConfig"/> per bind address,
/// TCP and UDP apart (a UDP port is not a TCP port: a Gateway may serve both on one number). Requests read it through
/// <see cref="ProxyView.Current"/> only; a change builds a new snapshot and swaps it.
/// </summary>
internal sealed class ProxySnapshot
{
    /// <param name="datagramListeners">The UDP listeners (<see cref="ListenerKind.Udp"/>); none when null.</param>
    public ProxySnapshot(IEnumerable<ListenerConfig> listeners, long version, IEnumerable<ListenerConfig>? datagramListeners = null)
    {
        Listeners = listeners.ToFrozenDictionary(l => l.Bind);
        UdpListeners = (datagramListeners ?? []).ToFrozenDictionary(l => l.Bind);
        Version = version;
    }

    public static readonly ProxySnapshot Empty = new([], 0);

    /// <summary>The listeners of TCP sockets (HTTP, HTTPS, TLS, TCP), by bind address.</summary>
    public FrozenDictionary<IPEndPoint, ListenerConfig> Listeners { get; }

    /// <summary>The listeners of UDP sockets, by bind address.</summary>
    public FrozenDictionary<IPEndPoint, ListenerConfig> UdpListeners { get; }

    public long Version { get; }
}

/// <summary>What a bind address serves: HTTP requests (cleartext or over TLS), TLS connections routed by server name, or TCP connections.</summary>
internal enum ListenerKind
{
    Http,
    Https,

    /// <summary>Gateway listener protocol TLS, mode Passthrough: the encrypted bytes go to the TLSRoute's backend.</summary>
    TlsPassthrough,

    /// <summary>Gateway listener protocol TLS, mode Terminate: the gateway ends TLS and sends the plaintext bytes on.</summary>
    TlsTerminate,

    /// <summary>Gateway listener protocol TCP: every connection goes, byte for byte, to the one TCPRoute of the port.</summary>
    Tcp,

    /// <summary>Gateway listener protocol UDP: every client's datagrams go, untouched, to the one UDPRoute of the port.</summary>
    Udp,

    /// <summary>
    /// HTTPS and TLS listeners on one port (Gateway API's compatible group): each connection goes to the kind of
    /// listener its ClientHello's server name selects (<see cref="ListenerConfig.ServerNames"/>).
    /// </summary>
    Mixed,
}

/// <summary>
/// Listener layer: a bind address, what it serves (<see cref="ListenerKind"/>), its certificates by SNI hostname, and
/// its router: by host and request for HTTP, by server name for TLS listeners.
/// </summary>
internal sealed class ListenerConfig
{
    public required IPEndPoint Bind { get; init; }

    /// <summary>"gateway default/web listener http", "ingress http", for logs and errors.</summary>
    public required string Name { get; init; }

    public ListenerKind Kind { get; init; }

    /// <summary>Every connection must start with a PROXY protocol header (v1 or v2), whose address becomes the client's.</summary>
    public bool AcceptsProxyProtocol { get; init; }

    /// <summary>
    /// How the client is found in X-Forwarded-For, by trusted CIDRs or by trusted hops (see <see cref="ClientIp.ForwardedFor"/>);
    /// null (the default) when the header is never read and the client is the connection's peer.
    /// </summary>
    public ClientIp.ClientIpDetection? ClientIpDetection { get; init; }

    /// <summary>HTTP requests here arrive over TLS (HTTPS listeners, alone or sharing the port with TLS listeners).</summary>
    public bool Https => Kind is ListenerKind.Https or ListenerKind.Mixed;

    /// <summary>The scheme of the HTTP requests served here, as X-Forwarded-Proto and an authorization service see it.</summary>
    public string RequestScheme => Https ? "https" : "http";

    /// <summary>"http", "https" (a port shared by HTTPS and TLS listeners too), "tls" (either mode, or both), "tcp" or "udp", as addresses of this listener are written.</summary>
    public string Scheme => Kind switch
    {
        ListenerKind.Http => "http",
        ListenerKind.Tcp => "tcp",
        ListenerKind.Udp => "udp",
        ListenerKind.Https => "https",
        ListenerKind.Mixed when ServerNames?.ServesHttps == true => "https",
        _ => "tls",
    };

    /// <summary>The gateway ends TLS here (HTTPS, a TLS listener in mode Terminate, or a port shared by HTTPS and TLS listeners): it needs certificates.</summary>
    public bool TerminatesTls => Kind is ListenerKind.Https or ListenerKind.TlsTerminate or ListenerKind.Mixed;

    /// <summary><see cref="ListenerKind.Mixed"/>: which kind of listener serves each server name; null on ports of one kind.</summary>
    public ServerNameKinds? ServerNames { get; init; }

    public required HostRouter Router { get; init; }

    /// <summary>TLS listeners: the TLSRoutes by server name.</summary>
    public SniRouter TlsRoutes { get; init; } = SniRouter.Empty;

    /// <summary>
    /// TCP listeners: the rule of the TCPRoute that serves every connection, the oldest attached to the port (then the
    /// first by namespace/name); null when none is (connections are closed).
    /// </summary>
    public TcpRouteTarget? TcpRoute { get; init; }

    /// <summary>
    /// UDP listeners: the rule of the UDPRoute that serves every client, the oldest attached to the port (then the first
    /// by namespace/name); null when none is (datagrams are dropped and counted).
    /// </summary>
    public UdpRouteTarget? UdpRoute { get; init; }

    /// <summary>Certificates by exact hostname or "*.suffix"; "" is the default when SNI names none of them.</summary>
    public IReadOnlyDictionary<string, ServingCertificate> Certificates { get; init; } = new Dictionary<string, ServingCertificate>();

    /// <summary>Client certificate validation by hostname (Gateway <c>spec.tls.frontend</c>); null when no listener here asks for client certificates.</summary>
    public ClientValidationTable? ClientValidation { get; init; }

    public ServingCertificate? SelectCertificate(string? sni)
    {
        if (sni is { Length: > 0 })
        {
            if (Certificates.TryGetValue(sni, out var exact)) return exact;
            var dot = sni.IndexOf('.', StringComparison.Ordinal);
            while (dot >= 0)
            {
                if (Certificates.TryGetValue("*" + sni[dot..], out var wild)) return wild;
                dot = sni.IndexOf('.', dot + 1);
            }
        }
        return Certificates.GetValueOrDefault("") ?? Certificates.Values.FirstOrDefault();
    }
}

/// <summary>Holds the current snapshot in one volatile field; readers never lock.</summary>
internal sealed class ProxyView(ProxySnapshot initial)
{
    private volatile ProxySnapshot _current = initial;

    public ProxySnapshot Current => _current;

    public void Publish(ProxySnapshot snapshot) => _current = snapshot;
}
