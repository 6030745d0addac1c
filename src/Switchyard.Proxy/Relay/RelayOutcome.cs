namespace Switchyard.Proxy.Relay;

/// <summary>
/// What one relayed connection (a TLSRoute's or a TCPRoute's) came to, for its metrics and access-log line: the route,
/// backend and endpoint it reached, its result (forwarded, or why not), why it ended, and the bytes relayed each way.
/// </summary>
/// <param name="result">The result until the connection gets further ("not_tls" on TLS listeners, which must see a ClientHello first).</param>
internal sealed class RelayOutcome(string result)
{
    /// <summary>The server name (SNI) the connection was routed by; null on TCP listeners or when the client sent none.</summary>
    public string? ServerName;

    public string? Route, Backend, Endpoint, Error;

    /// <summary>forwarded, no_route, unvalidated, no_backend, circuit_open, connect_failed, or what the listener set first.</summary>
    public string Result = result;

    /// <summary>Bytes received from the client and delivered to the endpoint, and bytes sent to the client.</summary>
    public long Received, Sent;
}
