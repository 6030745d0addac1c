using System.Net;
using Switchyard.Dns.Zone;

namespace Switchyard.Dns;

/// <summary>Settings of the cluster DNS server. Validated once when the server is built; later changes have no effect.</summary>
public sealed record DnsOptions
{
    /// <summary>Default listen address of <c>switchyard up</c>: 127.0.0.1:10053 (no root needed).</summary>
    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 10053);

    /// <summary>Address for UDP and TCP (same port). Port 0 picks a free port (see <see cref="DnsComponent.Endpoint"/>).</summary>
    public IPEndPoint Listen { get; init; } = DefaultListen;

    public ZoneOptions Zone { get; init; } = new();

    /// <summary>Resolvers for names outside the zone, tried in order. Empty (the default): such queries are REFUSED.</summary>
    public IReadOnlyList<IPEndPoint> Upstreams { get; init; } = [];

    /// <summary>Server-side search path completion for queries from known pod addresses (CoreDNS autopath). Default off.</summary>
    public bool Autopath { get; init; }

    /// <summary>Largest UDP response sent, and the EDNS payload size advertised. Default 1232 (DNS flag day 2020).</summary>
    public ushort MaxUdpPayload { get; init; } = 1232;

    /// <summary>Threads receiving UDP queries. Default: one per processor the process may run on (its CPU affinity).</summary>
    public int UdpReceiveLoops { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Datagrams a UDP loop takes and answers per system call on Linux (<c>recvmmsg</c>/<c>sendmmsg</c>). 1 selects
    /// one <c>recvfrom</c> and one <c>sendto</c> per query, the portable loop used on other systems. Default 32.
    /// </summary>
    public int UdpBatchSize { get; init; } = 32;

    /// <summary>A TCP connection with no query for this long is closed. Default 10 s (RFC 7766 suggests seconds).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Concurrent TCP connections; more are closed at once. Default 1000.</summary>
    public int MaxTcpConnections { get; init; } = 1000;

    /// <summary>Forwarded answers kept in the cache. Default 10,000.</summary>
    public int CacheCapacity { get; init; } = 10_000;

    /// <summary>Longest time a forwarded answer is cached, whatever its TTL. Default 3600 s.</summary>
    public uint MaxCacheTtl { get; init; } = 3600;

    /// <summary>How long one upstream gets to answer before the next is tried. Default 2 s.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where to serve Prometheus metrics over HTTP (<c>/metrics</c>). Default none.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>Where to write the structured query log (JSON lines). Default none.</summary>
    public TextWriter? QueryLog { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Zone.Validate());
        if (Listen.Port is < 0 or > 65535) errors.Add($"listen: port {Listen.Port} is out of range");
        if (MaxUdpPayload < 512) errors.Add($"max-udp-payload: {MaxUdpPayload} is below 512, the minimum every DNS client accepts");
        if (UdpReceiveLoops is < 1 or > 64) errors.Add($"udp-receive-loops: {UdpReceiveLoops} must be between 1 and 64");
        if (UdpBatchSize is < 1 or > 1024) errors.Add($"udp-batch-size: {UdpBatchSize} must be between 1 and 1024");
        if (TcpIdleTimeout <= TimeSpan.Zero) errors.Add("tcp-idle-timeout: must be positive");
        if (MaxTcpConnections < 1) errors.Add("max-tcp-connections: must be at least 1");
        if (CacheCapacity < 0) errors.Add("cache-capacity: must not be negative");
        if (UpstreamTimeout <= TimeSpan.Zero) errors.Add("upstream-timeout: must be positive");
        foreach (var u in Upstreams.Where(u => u.Port is < 1 or > 65535)) errors.Add($"upstream {u}: port must be between 1 and 65535");
        return errors;
    }
}
