using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Model.Networking;
using Switchyard.Model.Validation;

namespace Switchyard.Proxy;

/// <summary>Process settings of the gateway proxy. Validated once when the proxy is created; later changes have no effect.</summary>
public sealed record ProxyOptions
{
    /// <summary>Address for Ingress resources over HTTP; null (default) serves no Ingresses.</summary>
    public IPEndPoint? IngressHttp { get; init; }

    /// <summary>Address for Ingress resources over HTTPS (certificates from each Ingress's spec.tls, chosen by SNI); null (default) serves none.</summary>
    public IPEndPoint? IngressHttps { get; init; }

    /// <summary>
    /// The Ingress listeners (<see cref="IngressHttp"/>, <see cref="IngressHttps"/>) accept only connections that start
    /// with a PROXY protocol header (v1 or v2), whose address becomes the client's. Default false.
    /// </summary>
    public bool IngressProxyProtocol { get; init; }

    /// <summary>
    /// The CIDRs of the proxies in front of the Ingress listeners (an L7 load balancer, a CDN) whose X-Forwarded-For
    /// names the client: on a connection whose peer is in one of them, the client is the first untrusted address of
    /// X-Forwarded-For read from the right (see docs/components/gateway.md). Default empty: the header is never read
    /// and the client is the peer. Gateways set this with the annotation gateway.switchyard.dev/x-forwarded-for-trusted-cidrs.
    /// </summary>
    public IReadOnlyList<IpPrefix> IngressXForwardedForTrustedCidrs { get; init; } = [];

    /// <summary>
    /// How many proxies in front of the Ingress listeners append to X-Forwarded-For (Envoy's <c>xff_num_trusted_hops</c>):
    /// the client is the Nth address of X-Forwarded-For from the right, the peer when the header holds fewer (see
    /// docs/components/gateway.md). 1 to 16; default 0: the header is never read. Not with
    /// <see cref="IngressXForwardedForTrustedCidrs"/>. Gateways set this with the annotation gateway.switchyard.dev/x-forwarded-for-trusted-hops.
    /// </summary>
    public int IngressXForwardedForTrustedHops { get; init; }

    /// <summary>How long a connection on a listener that accepts the PROXY protocol may take to send its whole header. Default 5s.</summary>
    public TimeSpan ProxyProtocolTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Admin address serving /metrics, /ready and /config; null (default) serves none.</summary>
    public IPEndPoint? Admin { get; init; }

    /// <summary>Where JSON access log lines go; null (default) logs nothing.</summary>
    public TextWriter? AccessLog { get; init; }

    /// <summary>Continue or start a W3C trace (traceparent) on each request. Default true.</summary>
    public bool TraceContext { get; init; } = true;

    /// <summary>Also send the RFC 7239 Forwarded header. Default false (X-Forwarded-* are always sent).</summary>
    public bool ForwardedHeader { get; init; }

    /// <summary>Idle keep-alive connections per upstream address (shared by every Service that reaches it the same way). Default 64.</summary>
    public int MaxIdleConnectionsPerEndpoint { get; init; } = 64;

    /// <summary>
    /// How the proxy does socket I/O. <see cref="ProxyIo.EventLoop"/> (the default) runs both legs of every request on
    /// the proxy's own epoll loops, one per core; <see cref="ProxyIo.ThreadPool"/> uses Kestrel's socket transport and
    /// .NET's sockets, with request processing on the thread pool. See docs/decisions/0008-event-loop-transport.md.
    /// </summary>
    public ProxyIo Io { get; init; } = ProxyIo.EventLoop;

    /// <summary>TCP connect timeout to endpoints. Default 5s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A connection relayed for a TLSRoute or a TCPRoute that carries no byte either way for this long is closed. Default 1 hour.</summary>
    public TimeSpan TlsIdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A session of a UDP listener (one per client source address and port, with its own socket to the endpoint chosen
    /// for it) that sees no datagram either way for this long ends; the client's next datagram starts a new one, maybe
    /// to another endpoint. Default 60 s, as Envoy's udp_proxy idle_timeout.
    /// </summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Sessions one UDP listener keeps at most (each holds a socket; a buffer only while an answer is relayed); datagrams of new clients past
    /// it are dropped and counted (switchyard_proxy_udp_dropped_total, reason session_limit) rather than evicting
    /// clients already served. Default 16384.
    /// </summary>
    public int UdpMaxSessions { get; init; } = 16_384;

    /// <summary>
    /// How long one exchange with the authorization service of an ExternalAuth filter may take (the rule's
    /// timeouts.request when that is shorter); past it the request is answered 504. Default 10s.
    /// </summary>
    public TimeSpan ExternalAuthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The Secret (<c>NAMESPACE/NAME</c>, from the store or the manifest files) whose <c>key</c> seals session persistence
    /// tokens, and whose <c>previous</c>, when present, still opens the tokens of the key before (a rotation). Replicas
    /// that name the same Secret accept each other's tokens, and sessions outlive a restart. While the Secret is missing
    /// or invalid, a warning says so and tokens are sealed with the last key read from it (before any: the process's own).
    /// Null (the default): a random key per process.
    /// </summary>
    public string? SessionKeySecret { get; init; }

    /// <summary>
    /// Addresses the gateway never binds for a Gateway listener, with what holds them ("the API server"): under
    /// <c>switchyard up</c>, its own servers' addresses. A Gateway naming one gets <c>Accepted=False/PortUnavailable</c>
    /// instead of taking the address before the server that owns it starts.
    /// </summary>
    public IReadOnlyDictionary<System.Net.IPEndPoint, string> ReservedAddresses { get; init; } = System.Collections.Immutable.ImmutableDictionary<System.Net.IPEndPoint, string>.Empty;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxIdleConnectionsPerEndpoint < 0) errors.Add($"MaxIdleConnectionsPerEndpoint: {MaxIdleConnectionsPerEndpoint} is negative; use 0 or more");
        if (IngressHttp is not null && IngressHttp.Equals(IngressHttps)) errors.Add($"IngressHttps: {IngressHttps} is also the IngressHttp address; use two addresses");
        if (ConnectTimeout <= TimeSpan.Zero) errors.Add($"ConnectTimeout: {ConnectTimeout} must be positive");
        if (TlsIdleTimeout <= TimeSpan.Zero) errors.Add($"TlsIdleTimeout: {TlsIdleTimeout} must be positive");
        if (ProxyProtocolTimeout <= TimeSpan.Zero) errors.Add($"ProxyProtocolTimeout: {ProxyProtocolTimeout} must be positive");
        if (IngressProxyProtocol && IngressHttp is null && IngressHttps is null) errors.Add("IngressProxyProtocol (--ingress-proxy-protocol): no Ingress listener is set; set IngressHttp or IngressHttps (--ingress-http, --ingress-https)");
        if (IngressXForwardedForTrustedCidrs.Count > 0 && IngressHttp is null && IngressHttps is null) errors.Add("IngressXForwardedForTrustedCidrs (--ingress-x-forwarded-for-trusted-cidrs): no Ingress listener is set; set IngressHttp or IngressHttps (--ingress-http, --ingress-https)");
        if (IngressXForwardedForTrustedHops is < 0 or > ForwardedForAnnotations.MaxHops) errors.Add($"IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-hops): {IngressXForwardedForTrustedHops} is not from 1 to {ForwardedForAnnotations.MaxHops} (0: none)");
        if (IngressXForwardedForTrustedHops != 0 && IngressHttp is null && IngressHttps is null) errors.Add("IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-hops): no Ingress listener is set; set IngressHttp or IngressHttps (--ingress-http, --ingress-https)");
        if (IngressXForwardedForTrustedHops != 0 && IngressXForwardedForTrustedCidrs.Count > 0) errors.Add("IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-hops): only one of IngressXForwardedForTrustedCidrs and IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-cidrs, --ingress-x-forwarded-for-trusted-hops) may be set: trust X-Forwarded-For by the peer's CIDR or by a number of hops, not both");
        if (UdpIdleTimeout <= TimeSpan.Zero) errors.Add($"UdpIdleTimeout: {UdpIdleTimeout} must be positive");
        if (UdpMaxSessions < 1) errors.Add($"UdpMaxSessions: {UdpMaxSessions} must be at least 1");
        if (ExternalAuthTimeout <= TimeSpan.Zero) errors.Add($"ExternalAuthTimeout: {ExternalAuthTimeout} must be positive");
        if (SessionKeySecret is { } secret && KubernetesNames.ValidateNamespacedName(secret) is { Count: > 0 } problems)
            errors.Add($"SessionKeySecret (--session-key-secret): '{secret}': {string.Join("; ", problems)}");
        return errors;
    }

    /// <summary>The Ingress listeners' client IP detection from these options (validated): null when neither mode is set.</summary>
    internal ClientIp.ClientIpDetection? IngressClientIpDetection() =>
        IngressXForwardedForTrustedCidrs.Count > 0 ? ClientIp.ClientIpDetection.ByCidrs(IngressXForwardedForTrustedCidrs)
        : IngressXForwardedForTrustedHops > 0 ? ClientIp.ClientIpDetection.ByHops(IngressXForwardedForTrustedHops)
        : null;
}

/// <summary>The proxy's I/O model (<see cref="ProxyOptions.Io"/>).</summary>
public enum ProxyIo
{
    /// <summary>The proxy's own epoll loops, one per core, carry both legs of each request (Linux).</summary>
    EventLoop,

    /// <summary>Kestrel's socket transport and .NET's sockets; requests are processed on the thread pool.</summary>
    ThreadPool,
}
