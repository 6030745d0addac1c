using System.Net;
using System.Net.Sockets;

namespace Switchyard.Proxy.Tests.Support;

/// <summary>Loopback ports nothing listens on: a connection to one is refused.</summary>
internal static class Ports
{
    /// <summary>A loopback port nothing listens on.</summary>
    public static int Closed() => Closed(1)[0];

    /// <summary>Distinct ports of <paramref name="address"/> (default 127.0.0.1) nothing listens on (all held open together while chosen, so never the same twice).</summary>
    public static int[] Closed(int count, IPAddress? address = null)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(address ?? IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l.Dispose();
        }
    }
}
