using Switchyard.Proxy.Backends;

namespace Switchyard.Proxy.UdpRoutes;

/// <summary>A UDPRoute rule as the data plane uses it: its name (for logs and metrics) and its weighted backends.</summary>
/// <param name="Name">"udproute default/dns rule 0".</param>
internal sealed record UdpRouteTarget(string Name, BackendGroup Backends);
