using System.Net;
using System.Net.Sockets;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.UdpRoutes;

/// <summary>
/// A UDPRoute endpoint with nothing listening on its port answers with ICMP port unreachable: each refusal ends the
/// client's session (counted, dropped datagram counted) and counts towards outlier detection, which ejects the endpoint
/// after five in a row, so new sessions then all go to the endpoint that answers.
/// </summary>
public sealed class UdpRefusalTests
{
    private const string Route = "udproute default/dns rule 0";

    /// <summary>A loopback UDP port nothing listens on (bound, then closed).</summary>
    private static int ClosedUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task EndpointRefusing_SessionsEnd_EjectedAfterFive_NewSessionsAllAnswered()
    {
        await using var live = new UdpEchoBackend("live");
        var yaml = UdpSessionTests.Dns("svc", Manifests.Service("svc", live.Port, ClosedUdpPort()));
        await using var proxy = await Manifests.StartAsync(yaml);
        var gateway = new IPEndPoint(IPAddress.Loopback, proxy.UdpListeners[new IPEndPoint(IPAddress.Loopback, 0)].Port);
        var metrics = proxy.Runtime.Metrics;
        var clients = new List<UdpTestClient>(); // all open until the end: a closed client's port could come back as a new client's

        try
        {
            // New clients, one datagram each, until the refusing endpoint is ejected (five refusals in a row).
            for (var i = 0; i < 300 && metrics.Ejections == 0; i++)
            {
                var client = new UdpTestClient(gateway);
                clients.Add(client);
                await client.SendAsync($"q{i}");
                await Task.Delay(10);
            }
            await Wait.UntilAsync(() => metrics.Ejections == 1, "the refusing endpoint's ejection");
            Assert.True(metrics.UdpSessionCount(Route, "upstream_refused") >= 5);
            Assert.True(metrics.UdpDroppedCount(Route, "upstream_refused") >= 5);

            // Ejected: every new client is answered, by the endpoint that listens (one sent to the refusing endpoint would
            // get no answer, and AskAsync fails after 20 s).
            for (var i = 0; i < 20; i++)
            {
                var client = new UdpTestClient(gateway);
                clients.Add(client);
                Assert.Equal($"live:after {i}", await client.AskAsync($"after {i}"));
            }
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }
}
