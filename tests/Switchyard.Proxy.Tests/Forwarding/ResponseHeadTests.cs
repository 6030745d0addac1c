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

    /// <summary>The fields the forwarder may pass on, as they were parsed: all but Content-Length and Transfer-Encoding.</summary>
    private static KeyValuePair<string, string>[] Fields(ResponseHead head) =>
        [.. head.Fields.ToArray().Where(f => !f.Framing).Select(f => new KeyValuePair<string, string>(f.Name, f.Value))];

    [Fact]
    public void TryParse_SecondResponseOnConnection_HasOnlyItsOwnFields()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nServer: up\r\nX-Id: 1\r\nContent-Length: 2\r\nX-Old: o\r\n\r\n");
        Assert.Equal([new("Server", "up"), new("X-Id", "1"), new("X-Old", "o")], Fields(head));

        Parse(head, "HTTP/1.1 404 Not Found\r\nServer: up\r\nX-Id: 2\r\nTransfer-Encoding: chunked\r\n\r\n");

        Assert.Equal(404, head.Status);
        Assert.Null(head.ContentLength);
        Assert.True(head.Chunked);
        Assert.Equal([new("Server", "up"), new("X-Id", "2")], Fields(head));
    }

    [Fact]
    public void TryParse_RepeatedField_ReusesThePreviousStrings()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nServer: up/1.0\r\nX-Custom: same\r\n\r\n");
        var (firstName, firstValue) = Fields(head)[1];

        Parse(head, "HTTP/1.1 200 OK\r\nServer: up/1.0\r\nX-Custom: same\r\n\r\n");

        Assert.Same(firstName, Fields(head)[1].Key);
        Assert.Same(firstValue, Fields(head)[1].Value);
    }

    [Theory]
    [InlineData("Server: a\r\nDate: b\r\nX-Id: c\r\n", true)]
    [InlineData("Set-Cookie: a=1\r\nServer: s\r\nSet-Cookie: b=2\r\n", false)]
    [InlineData("X-Aa: 1\r\nx-aa: 2\r\n", false)] // the same name in another case
    [InlineData("X-Aa: 1\r\nX-Ab: 2\r\nX-Ac: 3\r\n", true)] // names of one length, all different
    [InlineData("X-Ab: 1\r\nConnection: keep-alive\r\nContent-Length: 0\r\n", true)] // hop-by-hop and framing fields count too, once each
    public void TryParse_NamesUnique_WhenNoNameRepeats(string fields, bool unique)
    {
        Assert.Equal(unique, Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\n" + fields + "\r\n").NamesUnique);
    }

    [Fact]
    public void TryParse_FieldNameInOtherCase_KeepsTheNameAsSent()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nx-custom: a\r\n\r\n");
        Parse(head, "HTTP/1.1 200 OK\r\nX-CUSTOM: a\r\n\r\n");

        Assert.Equal([new("X-CUSTOM", "a")], Fields(head));
    }

    [Fact]
    public void Reset_AfterAResponse_StatusIsZero()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 503 Service Unavailable\r\n\r\n");

        head.Reset();

        Assert.Equal(0, head.Status);
    }
    [Fact]
    public void TryParse_ValueChangesUnderTheSameName_ReusesTheNameOnly()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 16:00:00 GMT\r\n\r\n");
        var (firstName, _) = Fields(head)[0];

        Parse(head, "HTTP/1.1 200 OK\r\nDate: Thu, 26 Nov 2026 16:00:01 GMT\r\n\r\n");

        Assert.Same(firstName, Fields(head)[0].Key);
        Assert.Equal("Thu, 26 Nov 2026 16:00:01 GMT", Fields(head)[0].Value);
    }

    [Fact]
    public void TryParse_SameLinesAgain_FramingReadAgain()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close, x-internal\r\n\r\n");
        Parse(head, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close, x-internal\r\n\r\n");

        Assert.Equal((20L, true, "close, x-internal"), (head.ContentLength, head.ConnectionClose, head.ListedFields));
        Assert.Equal([new("Connection", "close, x-internal")], Fields(head));
        Assert.True(head.Fields[1].HopByHop);
    }

    [Theory]
    [InlineData("X-A: 1\r\nX-B: 2\r\n", "X-A: 1\r\nX-A: 2\r\n", false)] // a name changed into a repeat
    [InlineData("X-A: 1\r\nX-A: 2\r\n", "X-A: 1\r\nX-B: 2\r\n", true)]
    [InlineData("X-A: 1\r\nX-B: 2\r\n", "X-A: 1\r\nX-B: 3\r\nx-b: 4\r\n", false)] // one more line
    [InlineData("X-A: 1\r\nX-A: 2\r\n", "X-A: 3\r\nX-A: 4\r\n", false)] // values changed, names did not
    public void TryParse_NextHeadOnTheConnection_NamesUniqueItsOwn(string first, string second, bool unique)
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\n" + first + "\r\n");

        Parse(head, "HTTP/1.1 200 OK\r\n" + second + "\r\n");

        Assert.Equal(unique, head.NamesUnique);
    }

    [Fact]
    public void TryParse_LinesShiftedAndMoreThanSixteen_EachFieldItsOwn()
    {
        var many = string.Concat(Enumerable.Range(0, 20).Select(i => $"X-F{i}: {i}\r\n"));
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\n" + many + "\r\n");

        Parse(head, "HTTP/1.1 200 OK\r\nX-New: n\r\n" + many + "\r\n"); // every line one position later

        Assert.Equal([new("X-New", "n"), .. Enumerable.Range(0, 20).Select(i => new KeyValuePair<string, string>($"X-F{i}", $"{i}"))], Fields(head));
        Assert.True(head.NamesUnique);
    }

    [Fact]
    public void TryParse_AfterAHeadThatFailed_NamesUniqueItsOwn()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\n\r\n");
        Assert.Throws<InvalidDataException>(() => Parse(head, "HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\nbad line\r\n\r\n"));

        Parse(head, "HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\n\r\n");

        Assert.False(head.NamesUnique);
        Assert.Equal([new("X-A", "1"), new("X-A", "2")], Fields(head));
    }

    [Fact]
    public void TryParse_AfterAStatusLineThatFailed_FieldsParsedAgain()
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nX-Id: 1\r\n\r\n");
        Assert.Throws<InvalidDataException>(() => Parse(head, "HTTP/1.1 2x0 OK\r\nX-Id: 2\r\n\r\n"));

        Parse(head, "HTTP/1.1 200 OK\r\nX-Id: 2\r\n\r\n"); // the failed head's line, at the first head's offset

        Assert.Equal([new("X-Id", "2")], Fields(head));
    }

    [Theory]
    [InlineData("Connection: keep-alive", null)]
    [InlineData("Connection: Upgrade, close", null)]
    [InlineData("Connection: keep-alive, x-hop", "keep-alive, x-hop")]
    [InlineData("Connection: keep-alive\r\nConnection: x-a", "x-a")]
    public void TryParse_ConnectionNamingFields_IsListed(string fields, string? listed)
    {
        var head = Parse(new ResponseHead(), $"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n");
        Assert.Equal(listed, head.ListedFields);
    }

    [Theory]
    [InlineData("Keep-Alive: timeout=5", true)]
    [InlineData("proxy-connection: x", true)]
    [InlineData("TE: trailers", true)]
    [InlineData("Trailer: x", true)]
    [InlineData("Upgrade: h2c", true)]
    [InlineData("X-Upgrade: h2c", false)]
    [InlineData("Server: up", false)]
    public void TryParse_Field_HopByHopMarked(string field, bool hopByHop)
    {
        var head = Parse(new ResponseHead(), $"HTTP/1.1 200 OK\r\n{field}\r\n\r\n");
        Assert.Equal(hopByHop, head.Fields[0].HopByHop);
    }

    [Fact]
    public void TryParse_HeadAcrossSegments_Parsed()
    {
        var bytes = Encoding.Latin1.GetBytes("HTTP/1.1 201 Created\r\nX-A: 1\r\n\r\nbody");
        var first = new Segment(bytes.AsMemory(0, 30));
        var last = first.Append(bytes.AsMemory(30));
        var buffer = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        var head = new ResponseHead();

        Assert.True(head.TryParse(buffer, out var end));

        Assert.Equal(201, head.Status);
        Assert.Equal([new("X-A", "1")], Fields(head));
        Assert.Equal("body", Encoding.Latin1.GetString(buffer.Slice(end).ToArray()));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "upstream sent an invalid or conflicting Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n", "upstream sent an invalid or conflicting Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nServer : up\r\n\r\n", "upstream sent whitespace before a header colon")]
    [InlineData("HTTP/1.1 200 OK\r\nSer(ver: up\r\n\r\n", "upstream sent a header name that is not a token")]
    [InlineData("HTTP/1.1 200 OK\r\nServer: u\u0001p\r\n\r\n", "upstream sent a control character in a header value")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "upstream sent a malformed header line")]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", "upstream sent a malformed status code")]
    public void TryParse_MalformedAfterAGoodResponse_Refused(string text, string message)
    {
        var head = Parse(new ResponseHead(), "HTTP/1.1 200 OK\r\nServer: up\r\nContent-Length: 2\r\n\r\n");

        var e = Assert.Throws<InvalidDataException>(() => head.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)), out _));

        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("Transfer-Encoding: Chunked", false)]
    [InlineData("Transfer-Encoding:  chunked \r\nContent-Length: 6", true)] // Content-Length ignored, the connection not reused
    public void TryParse_TransferEncodingChunked_FramesTheBody(string fields, bool toClose)
    {
        var head = Parse(new ResponseHead(), $"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n");

        Assert.Equal((true, (long?)null, toClose), (head.Chunked, head.ContentLength, head.ConnectionClose));
    }

    [Theory]
    [InlineData("Transfer-Encoding: gzip\r\nContent-Length: 6", "upstream sent Transfer-Encoding 'gzip': only chunked, alone, is supported")]
    [InlineData("Transfer-Encoding: gzip, chunked", "upstream sent Transfer-Encoding 'gzip, chunked': only chunked, alone, is supported")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip", "upstream sent Transfer-Encoding 'gzip': only chunked, alone, is supported")]
    [InlineData("Transfer-Encoding: xchunked", "upstream sent Transfer-Encoding 'xchunked': only chunked, alone, is supported")]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", "upstream sent Transfer-Encoding chunked twice")]
    public void TryParse_TransferEncodingOtherThanChunkedAlone_Refused(string fields, string message)
    {
        // The proxy decodes only chunked: the client would get the body still encoded, with nothing saying so.
        var e = Assert.Throws<InvalidDataException>(() => Parse(new ResponseHead(), $"HTTP/1.1 200 OK\r\n{fields}\r\n\r\n"));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TryParse_TooManyFields_Refused()
    {
        var fields = string.Concat(Enumerable.Range(0, ResponseHead.MaxFields + 1).Select(i => $"a{i}: x\r\n"));

        var e = Assert.Throws<InvalidDataException>(() => Parse(new ResponseHead(), $"HTTP/1.1 200 OK\r\n{fields}\r\n"));

        Assert.Equal("upstream sent more than 256 header fields", e.Message);
    }

    [Fact]
    public void TryParse_BareLineFeedInStatusLine_Refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(new ResponseHead(), "HTTP/1.1 200 OK\nContent-Length: 0\r\nX-A: 1\r\n\r\n"));

        Assert.Equal("upstream sent a malformed status line", e.Message);
    }

    [Fact]
    public void TryParse_LargeHeadThenSmallOnes_SmallOnesParsed()
    {
        var head = new ResponseHead();
        var big = string.Concat(Enumerable.Range(0, 200).Select(i => $"X-Field-{i}: {new string('v', 200)}\r\n"));
        Parse(head, $"HTTP/1.1 200 OK\r\n{big}Content-Length: 1\r\n\r\n");
        Parse(head, "HTTP/1.1 200 OK\r\nServer: up\r\nContent-Length: 2\r\n\r\n");
        Parse(head, "HTTP/1.1 200 OK\r\nServer: up\r\nContent-Length: 3\r\n\r\n");

        Assert.Equal([new("Server", "up")], Fields(head));
        Assert.Equal(3L, head.ContentLength);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
