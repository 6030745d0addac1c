namespace Switchyard.Proxy.ExternalAuth;

/// <summary>
/// Hands a gRPC channel's requests to one of <see cref="ExternalAuthClient"/>'s invokers, so that the gRPC protocol
/// shares the HTTP protocol's connection pools and TLS handlers. A plain handler on purpose: given a SocketsHttpHandler
/// without a connect callback, Grpc.Net.Client sets one of its own for its client-side load balancing, which would
/// change the shared handler (already in use) and balance what the proxy already balances.
/// </summary>
internal sealed class InvokerHandler(HttpMessageInvoker invoker) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        invoker.SendAsync(request, cancellationToken);
}
