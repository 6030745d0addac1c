using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Pipeline;

/// <summary>
/// Requests the gateway answers itself instead of forwarding what the backend would read otherwise: transfer codings
/// other than chunked alone (RFC 9112 section 6.1), CONNECT (a reverse proxy is no tunnel), a body whose chunked
/// framing breaks (400, not the backend's answer to half a body), and upgrades to anything but WebSocket, h2c above all
/// (forwarded as plain requests, so no HTTP/2 connection can carry requests past the routes). Over real sockets, to a
/// real backend that says what it received.
/// </summary>
public sealed class RequestRefusalTests : EchoGatewayFixture
{
    [Theory]
    [InlineData("POST /x HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "501 ")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "501 ")]
    [InlineData("CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n", "501 ")]
    [InlineData("POST /x HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "400 ")] // a chunk size that is not hex
    public async Task Refused_AnsweredHere_NothingForwarded(string request, string status)
    {
        var answer = await Raw.SendAsync(Port, request);

        Assert.StartsWith("HTTP/1.1 " + status, answer, StringComparison.Ordinal);
        Assert.DoesNotContain("x-backend", answer, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, Backend.Requests);
    }

    [Theory]
    [InlineData("transfer-encoding ", "chunked")] // whitespace before the colon: HTTP/1.1 upstreams differ on what it means
    [InlineData("x-forwarded-for:6.6.6.6", "")] // would forge a field the proxy owns
    [InlineData("x-user-id:root", "x")]
    [InlineData("x;a=b", "1")]
    [InlineData("x a", "1")]
    [InlineData("transfer-encoding", "chunked")] // connection-specific: malformed in HTTP/2 (RFC 9113 section 8.2.2)
    [InlineData("keep-alive", "timeout=5")]
    [InlineData("upgrade", "websocket")]
    public async Task Http2_MalformedFieldName_400NothingForwarded(string name, string value)
    {
        // Kestrel's HTTP/2 server refuses upper case and control characters in names, not separators; written into an
        // HTTP/1.1 request upstream, such a name would be read as another field (RFC 9113 section 8.2.1: malformed).
        Assert.Equal(400, await RawHttp2.SendAsync(Port, "a.test", "/x", (name, value)));
        Assert.Equal(0, Backend.Requests);
    }

    [Fact]
    public async Task Http2_WellFormedFields_Forwarded()
    {
        // The control: the same raw HTTP/2 client, with valid names, reaches the backend.
        Assert.Equal(200, await RawHttp2.SendAsync(Port, "a.test", "/x", ("x-user-id", "alice"), ("x!#$%&'*+-.^_`|~1", "token chars")));
        Assert.Equal(1, Backend.Requests);
    }

    [Fact]
    public async Task UpgradeToH2c_ForwardedAsAPlainRequestWithoutItsUpgrade()
    {
        var answer = await Raw.SendAsync(Port,
            "GET /public HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Contains("x-backend: echo", answer, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-echo-h-upgrade", answer, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-echo-h-http2-settings", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task BodyPausedLongerThanKestrelsMinimumRateGrace_StillForwardedWhole()
    {
        // Kestrel's default minimum request body rate would cut this body after 5 s; a proxy carries long-lived streams.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("POST /slow HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
        await Task.Delay(TimeSpan.FromSeconds(7));
        await socket.SendAsync(Encoding.ASCII.GetBytes("6\r\n world\r\n0\r\n\r\n"));

        var answer = new StringBuilder();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0) answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
        Assert.StartsWith("HTTP/1.1 200 ", answer.ToString(), StringComparison.Ordinal);
        Assert.Contains("\r\necho hello world\r\n", answer.ToString(), StringComparison.Ordinal); // one chunk: the backend read the body whole
    }
}
