namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// Hands a gRPC channel's requests to one of <see cref="ExternalAuthClient"/>'s invokers, so that the gRPC protocol
/// shares the HTTP protocol's connection pools and TLS handlers. A plain handler on purpose: Grpc.Net.Client sees no
/// SocketsHttpHandler to reconfigure (it would install its own connect callback for its load balancing, which the
/// proxy does itself).
/// </summary>
internal sealed class InvokerHandler(HttpMessageInvoker invoker) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        invoker.SendAsync(request, cancellationToken);
}
