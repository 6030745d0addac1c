using System.Net;
using Microsoft.AspNetCore.Connections;
using Switchyard.Proxy.Backends;
using Switchyard.Proxy.Pipeline;
using Switchyard.Proxy.Relay;
using Switchyard.Proxy.Snapshot;

namespace Switchyard.Proxy.TcpRoutes;

/// <summary>A TCPRoute rule as the data plane uses it: its name (for logs and metrics) and its weighted backends.</summary>
/// <param name="Name">"tcproute default/db rule 0".</param>
internal sealed record TcpRouteTarget(string Name, BackendGroup Backends);

/// <summary>
/// The listener and route layers of TCP listeners, one call per client connection: the listener's one TCPRoute (the
/// oldest attached, see <see cref="ListenerConfig.TcpRoute"/>) takes every connection, and the shared
/// <see cref="ConnectionRelay"/> picks its backend by weight and an endpoint, connects, and relays bytes both ways. No
/// byte is read before the endpoint is connected: the client's bytes, whatever the protocol, reach it untouched. A
/// connection nothing can serve (no route, a backendRef that does not resolve, no endpoint that accepts) is closed.
/// </summary>
internal sealed class TcpRouteProxy(ProxyRuntime runtime, ConnectionRelay relay)
{
    public Task HandleAsync(ConnectionContext client, IPEndPoint bind)
    {
        var log = new RelayOutcome("no_route");
        return relay.HandleAsync(client, bind, "TCP", log, listener =>
        {
            if (listener.TcpRoute is not { } target)
            {
                log.Error = $"{listener.Name}: no TCPRoute is attached";
                return Task.CompletedTask;
            }
            return relay.ForwardAsync(client, target.Name, target.Backends, tls: false, default, log);
        }, runtime.Metrics.TcpConnection);
    }
}
