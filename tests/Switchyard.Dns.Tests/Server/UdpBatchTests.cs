using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Switchyard.Dns.Tests.Server;

/// <summary>
/// The UDP transport with many datagrams per system call (recvmmsg/sendmmsg on Linux) against the one-per-call loop:
/// bursts larger than a batch are all answered, to the right sender, across garbage collections, byte for byte as
/// the portable loop answers them.
/// </summary>
public sealed class UdpBatchTests
{
    private static readonly (string Name, ushort Type)[] Questions =
    [
        ("web.default.svc.cluster.local", 1), ("_http._tcp.web.default.svc.cluster.local", 33),
        ("10.0.96.10.in-addr.arpa", 12), ("missing.default.svc.cluster.local", 1), ("default.svc.cluster.local", 1),
    ];

    [Fact]
    public async Task Udp_BurstsLargerThanBatchAcrossCollections_EveryQueryAnsweredToItsSender()
    {
        await using var dns = await StartAsync(batchSize: 8);
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        second.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        for (var round = 0; round < 3; round++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            const int perSocket = 50;
            for (var i = 0; i < perSocket; i++)
            {
                await first.SendToAsync(Query((ushort)i, "web.default.svc.cluster.local", 1), dns.Endpoint);
                await second.SendToAsync(Query((ushort)(1000 + i), "web.default.svc.cluster.local", 1), dns.Endpoint);
            }
            var firstIds = await ReceiveIdsAsync(first, perSocket);
            var secondIds = await ReceiveIdsAsync(second, perSocket);
            Assert.Equal(Enumerable.Range(0, perSocket), firstIds.Order());
            Assert.Equal(Enumerable.Range(1000, perSocket), secondIds.Order());
        }
    }

    [Fact]
    public async Task Udp_BatchedAndSingle_AnswerIdentically()
    {
        await using var batched = await StartAsync(batchSize: 32);
        await using var single = await StartAsync(batchSize: 1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        foreach (var (name, type) in Questions)
        {
            var fromBatched = await AskAsync(client, batched.Endpoint, Query(7, name, type));
            var fromSingle = await AskAsync(client, single.Endpoint, Query(7, name, type));
            Assert.True(fromBatched.Length > 12, $"{name}: no answer");
            Assert.Equal(Convert.ToHexString(fromSingle), Convert.ToHexString(fromBatched));
        }
    }

    [Fact]
    public void Validate_BatchSizeOutOfRange_ReportsIt()
    {
        var errors = new DnsOptions { UdpBatchSize = 0 }.Validate();

        Assert.Equal(["udp-batch-size: 0 must be between 1 and 1024"], errors);
    }

    [Fact]
    public async Task StartedThenStoppedAtOnce_TheReceiveThreadsEndQuietly()
    {
        // A server stopped before its receive thread took hold of the socket: that thread must end, not throw on its
        // own (which ends the whole process). Bounded: 40 servers, each started and stopped at once.
        for (var i = 0; i < 40; i++)
        {
            var dns = DnsComponent.FromObjects(new DnsOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), UdpReceiveLoops = 2, UdpBatchSize = 8 }, Fixtures.Cluster());
            await dns.StartAsync();
            await dns.DisposeAsync();
        }
    }

    private static async Task<DnsComponent> StartAsync(int batchSize)
    {
        var dns = DnsComponent.FromObjects(new DnsOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), UdpReceiveLoops = 1, UdpBatchSize = batchSize }, Fixtures.Cluster());
        await dns.StartAsync();
        return dns;
    }

    private static async Task<byte[]> AskAsync(Socket client, IPEndPoint server, byte[] query)
    {
        await client.SendToAsync(query, server);
        var buffer = new byte[2048];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = await client.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return buffer[..received.ReceivedBytes];
    }

    private static async Task<List<int>> ReceiveIdsAsync(Socket socket, int count)
    {
        var ids = new List<int>();
        var buffer = new byte[2048];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (ids.Count < count)
        {
            var received = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            Assert.True(received.ReceivedBytes > 12);
            Assert.Equal(0x85, buffer[2]); // QR, AA, RD echoed
            ids.Add(BinaryPrimitives.ReadUInt16BigEndian(buffer));
        }
        return ids;
    }

    /// <summary>A standard query with RD set and no EDNS.</summary>
    private static byte[] Query(ushort id, string name, ushort type)
    {
        var packet = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            packet.Add((byte)label.Length);
            packet.AddRange(Encoding.ASCII.GetBytes(label));
        }
        packet.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. packet];
    }
}
