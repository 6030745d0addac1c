using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>An upstream connection over a real loopback socket pair.</summary>
public sealed class UpstreamConnectionTests
{
    [Fact]
    public async Task Dispose_WithUnsentRequestBytes_ClosesWithoutSendingThem()
    {
        // A request that failed between writing and flushing (the client vanished before its body) must not reach the
        // upstream half-written when the connection is thrown away.
        var (connection, server) = await ConnectedAsync();
        using var serverEnd = server;

        connection.Writer.Write("POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\n"u8);
        connection.Dispose();

        var buffer = new byte[256];
        var received = await server.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, received);
        Assert.False(connection.Reusable);
    }

    [Fact]
    public async Task Flush_SendsWhatWasWritten()
    {
        var (connection, server) = await ConnectedAsync();
        using var serverEnd = server;
        using var upstream = connection;

        connection.Writer.Write("GET / HTTP/1.1\r\n\r\n"u8);
        await connection.Writer.FlushAsync();

        var buffer = new byte[256];
        var received = await server.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("GET / HTTP/1.1\r\n\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, received));
    }

    /// <summary>An upstream connection to a loopback listener, and the listener's end of it.</summary>
    private static async Task<(UpstreamConnection Connection, Socket Server)> ConnectedAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        return (new UpstreamConnection(client), server);
    }
}
