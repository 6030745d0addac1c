using System.Net;

namespace Switchyard.Proxy;

/// <summary>Process settings of the gateway proxy. Validated once when the proxy is created; later changes have no effect.</summary>
public sealed record ProxyOptions
{
    /// <summary>Address for Ingress resources over HTTP; null (default) serves no Ingresses.</summary>
    public IPEndPoint? IngressHttp { get; init; }

    /// <summary>Address for Ingress resources over HTTPS (certificates from each Ingress's spec.tls, chosen by SNI); null (default) serves none.</summary>
    public IPEndPoint? IngressHttps { get; init; }

    /// <summary>Admin address serving /metrics, /ready and /config; null (default) serves none.</summary>
    public IPEndPoint? Admin { get; init; }

    /// <summary>Where JSON access log lines go; null (default) logs nothing.</summary>
    public TextWriter? AccessLog { get; init; }

    /// <summary>Continue or start a W3C trace (traceparent) on each request. Default true.</summary>
    public bool TraceContext { get; init; } = true;

    /// <summary>Also send the RFC 7239 Forwarded header. Default false (X-Forwarded-* are always sent).</summary>
    public bool ForwardedHeader { get; init; }

    /// <summary>Idle keep-alive connections per endpoint. Default 64.</summary>
    public int MaxIdleConnectionsPerEndpoint { get; init; } = 64;

    /// <summary>
    /// Run each connection's request processing on the socket event thread that saw its bytes arrive (Kestrel's
    /// <c>UnsafePreferInlineScheduling</c>) instead of handing it to the thread pool. With <see cref="EventLoopIo.Enable"/>
    /// called at process start, the upstream leg's completions run inline too, and the proxy works as one event loop per
    /// core: no hand-off between threads per request. Default false. See docs/decisions/0006-proxy-forwarder.md.
    /// </summary>
    public bool InlineIo { get; init; }

    /// <summary>TCP connect timeout to endpoints. Default 5s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxIdleConnectionsPerEndpoint < 0) errors.Add($"MaxIdleConnectionsPerEndpoint: {MaxIdleConnectionsPerEndpoint} is negative; use 0 or more");
        if (IngressHttp is not null && IngressHttp.Equals(IngressHttps)) errors.Add($"IngressHttps: {IngressHttps} is also the IngressHttp address; use two addresses");
        if (ConnectTimeout <= TimeSpan.Zero) errors.Add($"ConnectTimeout: {ConnectTimeout} must be positive");
        return errors;
    }
}
