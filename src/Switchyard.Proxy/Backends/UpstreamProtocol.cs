namespace Switchyard.Proxy.Backends;

/// <summary>How the proxy talks to a backend's endpoints, from the Service port's <c>appProtocol</c>.</summary>
internal enum UpstreamProtocol
{
    /// <summary>HTTP/1.1 on pooled keep-alive connections (the default).</summary>
    Http1,

    /// <summary>HTTP/2 with prior knowledge in cleartext: appProtocol <c>kubernetes.io/h2c</c>, <c>h2c</c> or <c>grpc</c>.</summary>
    H2c,
}

/// <summary>Reads <see cref="UpstreamProtocol"/> from a Service port's appProtocol (case-insensitive; anything else is HTTP/1.1).</summary>
internal static class UpstreamProtocols
{
    public static UpstreamProtocol FromAppProtocol(string? appProtocol) => appProtocol?.ToLowerInvariant() switch
    {
        "kubernetes.io/h2c" or "h2c" or "grpc" => UpstreamProtocol.H2c,
        _ => UpstreamProtocol.Http1,
    };
}
