using System.Buffers;
using System.Text;
using Switchyard.Proxy.Forwarding;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>One <see cref="ResponseHead"/> parses every response of an upstream connection, reusing repeated field strings.</summary>
public sealed class ResponseHeadTests
{
    private static ResponseHead Parse(ResponseHead head, string text)
    {
        Assert.True(head.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out _));
        return head;
    }

    [Fact]
    public void TryParse_SecondResponseOnConnection_HasOnlyItsOwnFields()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nServer: up\r\nX-Id: 1\r\nContent-Length: 2\r\nX-Old: o\r\n\r\n");
        Assert.Equal([new("Server", "up"), new("X-Id", "1"), new("X-Old", "o")], head.Headers);

        Parse(head, "HTTP/1.1 404 Not Found\r\nServer: up\r\nX-Id: 2\r\nTransfer-Encoding: chunked\r\n\r\n");

        Assert.Equal(404, head.Status);
        Assert.Null(head.ContentLength);
        Assert.True(head.Chunked);
        Assert.Equal([new("Server", "up"), new("X-Id", "2")], head.Headers);
    }

    [Fact]
    public void TryParse_RepeatedField_ReusesThePreviousStrings()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nServer: up/1.0\r\nX-Custom: same\r\n\r\n");
        var (firstName, firstValue) = head.Headers[1];

        Parse(head, "HTTP/1.1 200 OK\r\nServer: up/1.0\r\nX-Custom: same\r\n\r\n");

        Assert.Same(firstName, head.Headers[1].Key);
        Assert.Same(firstValue, head.Headers[1].Value);
    }

    [Fact]
    public void TryParse_FieldNameInOtherCase_KeepsTheNameAsSent()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nx-custom: a\r\n\r\n");
        Parse(head, "HTTP/1.1 200 OK\r\nX-CUSTOM: a\r\n\r\n");

        Assert.Equal([new("X-CUSTOM", "a")], head.Headers);
    }

    [Fact]
    public void Reset_AfterAResponse_StatusIsZero()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 503 Service Unavailable\r\n\r\n");

        head.Reset();

        Assert.Equal(0, head.Status);
    }
}
