using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ProxyProtocol;

/// <summary>
/// Listeners that accept the PROXY protocol (Gateway annotation gateway.switchyard.dev/proxy-protocol: "true"), over
/// raw sockets: the header's source address is the client's in X-Forwarded-For, Forwarded, the access log and
/// source-IP hashing; v2 LOCAL and v1 UNKNOWN keep the real peer; a missing, malformed, oversized or incomplete header
/// closes the connection without an answer, and the proxy goes on serving. A Gateway without the annotation on the
/// same proxy reads the same bytes as HTTP.
/// </summary>
public sealed class ProxyProtocolListenerTests : IAsyncLifetime
{
    private static readonly IPAddress Edge = IPAddress.Parse("127.0.0.82");
    private static readonly IPAddress Plain = IPAddress.Parse("127.0.0.83");
    private static readonly IPAddress Peer = IPAddress.Parse("127.0.0.84");

    private EchoBackend _backend = null!;
    private GatewayProxy _proxy = null!;
    private readonly SharedLog _log = new();

    private int EdgePort => _proxy.Listeners[new IPEndPoint(Edge, 0)].Port;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync("site");
        _proxy = await Manifests.StartAsync(Yaml(_backend.Port), new ProxyOptions
        {
            ForwardedHeader = true,
            ProxyProtocolTimeout = TimeSpan.FromSeconds(3), // long enough for a header sent in pieces on a loaded CI machine
            AccessLog = _log.Writer,
        });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static string Yaml(int backendPort) => Manifests.GatewayClass
        + GatewayYaml.Gateway("edge", Edge, "{gateway.switchyard.dev/proxy-protocol: \"true\"}")
        + GatewayYaml.Gateway("plain", Plain)
        + GatewayYaml.HttpRoute("site", "site", "edge", "plain")
        + Manifests.Service("site", backendPort);

    private static byte[] Get(string extra = "") => ProxyProtocolClient.Ascii($"GET /hello HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n{extra}\r\n");

    private Task<(string Received, bool Closed)> SendAsync(byte[] bytes, double seconds = 5) =>
        ProxyProtocolClient.ExchangeAsync(Peer, Edge, EdgePort, bytes, seconds);

    [Fact]
    public async Task V1Header_ClientAddress_IsTheHeaderSource()
    {
        var (response, _) = await SendAsync([.. ProxyProtocolClient.Ascii("PROXY TCP4 198.51.100.7 203.0.113.9 40001 443\r\n"), .. Get()]);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal("198.51.100.7", ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
        Assert.Equal("for=198.51.100.7;proto=http;host=\"site.example\"", ProxyProtocolClient.Header(response, "x-echo-h-forwarded"));
        await Wait.UntilAsync(() => _log.ToString().Contains("\"client\":\"198.51.100.7\"", StringComparison.Ordinal), "access log line with the header's client");
    }

    [Fact]
    public async Task V1Header_ExistingForwardedFor_IsAppendedTo()
    {
        var (response, _) = await SendAsync([.. ProxyProtocolClient.Ascii("PROXY TCP4 198.51.100.7 203.0.113.9 40001 443\r\n"), .. Get("X-Forwarded-For: 192.0.2.1\r\n")]);

        Assert.Equal("192.0.2.1, 198.51.100.7", ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
    }

    [Fact]
    public async Task V2Ipv6Header_ClientAddress_IsTheIpv6Source()
    {
        var header = ProxyProtocolClient.V2(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 50000), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 443));

        var (response, _) = await SendAsync([.. header, .. Get()]);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal("2001:db8::7", ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
        Assert.Equal("for=\"[2001:db8::7]\";proto=http;host=\"site.example\"", ProxyProtocolClient.Header(response, "x-echo-h-forwarded"));
    }

    [Fact]
    public async Task V2HeaderWithTlvs_TlvsSkipped_RequestServed()
    {
        // PP2_TYPE_ALPN "h2", PP2_TYPE_AUTHORITY "example.com", PP2_TYPE_NOOP of 3 bytes.
        byte[] tlvs = [0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x02, 0x00, 0x0B, .. ProxyProtocolClient.Ascii("example.com"), 0x04, 0x00, 0x03, 0, 0, 0];
        var header = ProxyProtocolClient.V2(new IPEndPoint(IPAddress.Parse("192.0.2.44"), 1234), new IPEndPoint(Edge, 80), tlvs);

        var (response, _) = await SendAsync([.. header, .. Get()]);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal("192.0.2.44", ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
    }

    [Fact]
    public async Task V2Local_ClientAddress_IsTheRealPeer()
    {
        var (response, _) = await SendAsync([.. ProxyProtocolClient.V2Local(), .. Get()]);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal(Peer.ToString(), ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
        Assert.True(_proxy.Runtime.Metrics.ProxyProtocolCount("gateway default/edge port 0", "local") >= 1);
    }

    /// <summary>
    /// A v2 PROXY header's addresses are the client's only for a STREAM (TCP) transport: with UNSPEC (0x10) or DGRAM
    /// (0x12, UDP) they do not describe a TCP connection, and the real peer stands, as in HAProxy.
    /// </summary>
    [Theory]
    [InlineData(0x11, "192.0.2.44")]
    [InlineData(0x10, null)]
    [InlineData(0x12, null)]
    public async Task V2Transport_OnlyStreamAddresses_AreTheClients(byte familyAndTransport, string? client)
    {
        var header = ProxyProtocolClient.V2(new IPEndPoint(IPAddress.Parse("192.0.2.44"), 1234), new IPEndPoint(Edge, 80));
        header[13] = familyAndTransport;

        var (response, _) = await SendAsync([.. header, .. Get()]);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal(client ?? Peer.ToString(), ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
    }

    [Fact]
    public async Task V1Unknown_ClientAddress_IsTheRealPeer()
    {
        var (response, _) = await SendAsync([.. ProxyProtocolClient.Ascii("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"), .. Get()]);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal(Peer.ToString(), ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
    }

    public static TheoryData<string, byte[]> Refused => new()
    {
        { "no header: plain HTTP", Get() },
        { "no header: TLS ClientHello", [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00] },
        { "lower-case proxy", ProxyProtocolClient.Ascii("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n") },
        { "TCP5", ProxyProtocolClient.Ascii("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n") },
        { "TCP4 with an IPv6 address", ProxyProtocolClient.Ascii("PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n") },
        { "TCP4 address shorthand", ProxyProtocolClient.Ascii("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n") },
        { "TCP4 octet with a leading zero (octal to inet_aton, refused by inet_pton)", ProxyProtocolClient.Ascii("PROXY TCP4 010.0.0.1 5.6.7.8 1 2\r\n") },
        { "TCP6 address in brackets", ProxyProtocolClient.Ascii("PROXY TCP6 [2001:db8::1] 2001:db8::2 1 2\r\n") },
        { "TCP6 address in brackets with a port", ProxyProtocolClient.Ascii("PROXY TCP6 [2001:db8::1]:80 2001:db8::2 1 2\r\n") },
        { "port out of range", ProxyProtocolClient.Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n") },
        { "port with a leading zero", ProxyProtocolClient.Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n") },
        { "missing field", ProxyProtocolClient.Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n") },
        { "two spaces", ProxyProtocolClient.Ascii("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n") },
        { "LF without CR", ProxyProtocolClient.Ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n") },
        { "NUL in v1 line", [.. ProxyProtocolClient.Ascii("PROXY TCP4 1.2.3.4\0")] },
        { "v1 line of 108 bytes", ProxyProtocolClient.Ascii("PROXY UNKNOWN " + new string('x', 108 - 16) + "\r\n") },
        { "v1 without end, 200 bytes", ProxyProtocolClient.Ascii("PROXY UNKNOWN " + new string('x', 186)) },
        { "v2 signature corrupted", [.. ProxyProtocolClient.V2Signature[..11], 0x0B, 0x21, 0x11, 0x00, 0x0C] },
        { "v2 version 1", [.. ProxyProtocolClient.V2Signature, 0x11, 0x11, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2] },
        { "v2 command 2", [.. ProxyProtocolClient.V2Signature, 0x22, 0x11, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2] },
        { "v2 AF_INET with 11 address bytes", [.. ProxyProtocolClient.V2Signature, 0x21, 0x11, 0x00, 0x0B, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0] },
        { "v2 AF_INET6 with 12 address bytes", [.. ProxyProtocolClient.V2Signature, 0x21, 0x21, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2] },
        { "v2 address family 5", [.. ProxyProtocolClient.V2Signature, 0x21, 0x51, 0x00, 0x0C, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2] },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task MissingOrMalformedHeader_ClosedWithoutAnswer(string why, byte[] bytes)
    {
        var (response, closed) = await SendAsync([.. bytes, .. Get()]);

        Assert.True(closed, $"{why}: the connection stayed open");
        Assert.Equal("", response);
        Assert.Equal(0, _backend.Requests);
        var (after, _) = await SendAsync([.. ProxyProtocolClient.Ascii("PROXY TCP4 198.51.100.8 203.0.113.9 40001 80\r\n"), .. Get()]);
        Assert.StartsWith("HTTP/1.1 200", after); // and the listener serves on
    }

    [Fact]
    public async Task MissingHeader_CountedAsMissing()
    {
        await SendAsync(Get());

        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.ProxyProtocolCount("gateway default/edge port 0", "missing") == 1, "one connection counted as missing");
    }

    [Fact]
    public async Task HeaderSentInPieces_WithinTimeout_Accepted()
    {
        byte[] bytes = [.. ProxyProtocolClient.V2(new IPEndPoint(IPAddress.Parse("192.0.2.99"), 1), new IPEndPoint(Edge, 80)), .. Get()];
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Edge, EdgePort);
        socket.NoDelay = true;
        // Pieces cut inside the signature, the version byte, the length and the addresses; few of them, so that the
        // pauses stay far inside the 3 s timeout on a loaded machine (28 one-byte pieces, and once these with an 800 ms
        // timeout, did not).
        var cuts = new[] { 0, 1, 12, 14, 16, 28 };
        for (var i = 0; i < cuts.Length - 1; i++)
        {
            await socket.SendAsync(bytes.AsMemory(cuts[i], cuts[i + 1] - cuts[i]));
            await Task.Delay(20);
        }
        await socket.SendAsync(bytes.AsMemory(28));

        var (response, _) = await ProxyProtocolClient.ReadAsync(socket, 5);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal("192.0.2.99", ProxyProtocolClient.Header(response, "x-echo-h-x-forwarded-for"));
    }

    [Theory]
    [InlineData("PROXY TCP4 198.51.100.7 ")]
    [InlineData("")]
    public async Task IncompleteHeader_ClosedAfterTimeout(string partial)
    {
        var stopwatch = Stopwatch.StartNew();

        var (response, closed) = await SendAsync(ProxyProtocolClient.Ascii(partial), seconds: 20);

        Assert.True(closed);
        Assert.Equal("", response);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(2.5), $"closed after {stopwatch.Elapsed}, before the 3 s timeout"); // a lower bound only: a slow machine cannot fail it
        await Wait.UntilAsync(() => _proxy.Runtime.Metrics.ProxyProtocolCount("gateway default/edge port 0", "timeout") >= 1, "counted as timeout");
    }

    [Fact]
    public async Task V2HeaderAnnouncingMoreThanSent_ClientCloses_ProxyServesOn()
    {
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(Edge, EdgePort);
            await socket.SendAsync((byte[])[.. ProxyProtocolClient.V2Signature, 0x21, 0x11, 0xFF, 0xFF, 1, 2, 3]);
            socket.Shutdown(SocketShutdown.Send);
            var (response, closed) = await ProxyProtocolClient.ReadAsync(socket, 5);
            Assert.True(closed);
            Assert.Equal("", response);
        }
        var (after, _) = await SendAsync([.. ProxyProtocolClient.V2Local(), .. Get()]);
        Assert.StartsWith("HTTP/1.1 200", after);
    }

    [Fact]
    public async Task ListenerWithoutAnnotation_ProxyLine_IsNotInterpreted()
    {
        var plainPort = _proxy.Listeners[new IPEndPoint(Plain, 0)].Port;

        var (withHeader, _) = await ProxyProtocolClient.ExchangeAsync(Peer, Plain, plainPort, [.. ProxyProtocolClient.Ascii("PROXY TCP4 198.51.100.7 203.0.113.9 40001 80\r\n"), .. Get()]);
        var (plain, _) = await ProxyProtocolClient.ExchangeAsync(Peer, Plain, plainPort, Get());

        Assert.StartsWith("HTTP/1.1 400", withHeader);
        Assert.Equal(Peer.ToString(), ProxyProtocolClient.Header(plain, "x-echo-h-x-forwarded-for"));
    }
}
