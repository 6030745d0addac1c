using System.Net;
using System.Net.Sockets;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>
/// A Gateway listener whose address cannot be bound (another process holds it, or it is reserved for one of
/// <c>switchyard up</c>'s own servers) is not Programmed: <c>Accepted=False/PortUnavailable</c>, and the Gateway is not
/// Programmed while no listener of it is.
/// </summary>
public sealed class PortUnavailableTests
{
    private static string Gateway(int port) => Manifests.GatewayClass + $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: clash, namespace: default}
        spec:
          gatewayClassName: switchyard
          listeners: [{name: http, port: {{port}}, protocol: HTTP}]
        ---

        """;

    private static (string Accepted, string Programmed, string Gateway) Status(GatewayProxy proxy)
    {
        var status = (GatewayStatus)proxy.Statuses.Single(s => s.Object is Gateway).Status;
        var listener = status.Listeners!.Single().Conditions!;
        string Of(IEnumerable<k8s.Models.V1Condition> conditions, string type) => conditions.Single(c => c.Type == type) is var c ? $"{c.Status}/{c.Reason}: {c.Message}" : "";
        return (Of(listener, "Accepted"), Of(listener, "Programmed"), Of(status.Conditions!, "Programmed"));
    }

    [Fact]
    public async Task AddressHeldByAnotherProcess_PortUnavailable_NotProgrammed()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        await using var proxy = await Manifests.StartAsync(Gateway(port));

        var (accepted, programmed, gateway) = Status(proxy);
        Assert.StartsWith($"False/PortUnavailable: cannot listen on 127.0.0.1:{port}: ", accepted, StringComparison.Ordinal);
        Assert.StartsWith("False/Invalid: ", programmed, StringComparison.Ordinal);
        Assert.Equal("False/Invalid: no listener can serve", gateway);
        Assert.Empty(proxy.Listeners);
        Assert.Contains(proxy.UnboundListeners, u => u.Key.Port == port);
    }

    [Fact]
    public async Task AddressReservedForUpsOwnServer_NotBound_PortUnavailable()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var options = new ProxyOptions { ReservedAddresses = new Dictionary<IPEndPoint, string> { [new IPEndPoint(IPAddress.Loopback, port)] = "the API server (--api)" } };

        await using var proxy = await Manifests.StartAsync(Gateway(port), options);

        Assert.Equal($"False/PortUnavailable: 127.0.0.1:{port} is reserved for the API server (--api)", Status(proxy).Accepted);
        using var owner = new TcpListener(IPAddress.Loopback, port);
        owner.Start(); // the address stayed free for the server it belongs to
    }
}
