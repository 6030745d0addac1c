using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>
/// X-Forwarded-For/Proto/Host and Forwarded reach the upstream with the same values on both of their ways there:
/// written straight into the HTTP/1.1 head (a plain route), and set in the request's header dictionary (a route with
/// a mirror, whose copy carries them too, a backend that hashes on X-Forwarded-For, or an HTTP/2 upstream). Real
/// sockets, raw requests, so the client can send the fields the proxy replaces and the test can count the values that arrive.
/// </summary>
public sealed class ForwardingFieldsTests : IAsyncLifetime
{
    private readonly Channel<string> _copies = Channel.CreateUnbounded<string>();
    private EchoBackend _echo = null!;
    private EchoBackend _hashed = null!;
    private KestrelBackend _shadow = null!;
    private KestrelBackend _h2 = null!;
    private GatewayProxy _proxy = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        _hashed = await EchoBackend.StartAsync("hashed");
        _shadow = await KestrelBackend.StartAsync(HttpProtocols.Http1, RecordAsync);
        _h2 = await KestrelBackend.StartAsync(HttpProtocols.Http2, EchoFieldsAsync);
        _proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - matches: [{path: {value: /plain}}]
                  backendRefs: [{name: echo, port: 80}]
                - matches: [{path: {value: /mirrored}}]
                  filters: [{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}]
                  backendRefs: [{name: echo, port: 80}]
                - matches: [{path: {value: /hashed}}]
                  backendRefs: [{name: hashed, port: 80}]
                - matches: [{path: {value: /h2}}]
                  backendRefs: [{name: h2, port: 80}]
            """) + GatewayYaml.Service("h2", IPAddress.Loopback, _h2.Port, "{}", ", appProtocol: kubernetes.io/h2c")
            + Manifests.Service("echo", _echo.Port) + Manifests.Service("shadow", _shadow.Port)
            + Manifests.Service("hashed", "default", "{lb.switchyard.dev/policy: ring-hash, lb.switchyard.dev/hash-key: 'header:X-Forwarded-For'}", _hashed.Port),
            new ProxyOptions { Admin = new IPEndPoint(IPAddress.Loopback, 0), ForwardedHeader = true });
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _h2.DisposeAsync();
        await _shadow.DisposeAsync();
        await _hashed.DisposeAsync();
        await _echo.DisposeAsync();
    }

    private Task RecordAsync(HttpContext context)
    {
        var h = context.Request.Headers;
        _copies.Writer.TryWrite($"for={h["X-Forwarded-For"]} proto={h["X-Forwarded-Proto"]} host={h["X-Forwarded-Host"]} forwarded={h["Forwarded"]}");
        return Task.CompletedTask;
    }

    /// <summary>The HTTP/2 upstream: each request field back as x-echo-h-NAME, as the HTTP/1.1 echo backend does.</summary>
    private static Task EchoFieldsAsync(HttpContext context)
    {
        foreach (var (name, value) in context.Request.Headers) context.Response.Headers["x-echo-h-" + name.ToLowerInvariant()] = value.ToString();
        return Task.CompletedTask;
    }

    /// <summary>The echoed request fields (x-echo-h-NAME, several values joined by commas), by name.</summary>
    private async Task<Dictionary<string, string>> EchoedAsync(string path, string fields)
    {
        var text = await Raw.SendAsync(_port, $"GET {path} HTTP/1.1\r\nHost: fields.test\r\n{fields}\r\n");
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        var echoed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in text.Split("\r\n"))
        {
            if (!line.StartsWith("x-echo-h-", StringComparison.OrdinalIgnoreCase)) continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            echoed.Add(line["x-echo-h-".Length..colon], line[(colon + 1)..].Trim());
        }
        return echoed;
    }

    [Theory]
    [InlineData("/plain")]
    [InlineData("/mirrored")]
    [InlineData("/hashed")]
    [InlineData("/h2")]
    public async Task ClientSentFields_PeerAppendedProtoReplacedHostKept(string path)
    {
        var echoed = await EchoedAsync(path,
            "X-Forwarded-For: 192.0.2.7\r\nx-forwarded-proto: https\r\nX-Forwarded-Host: original.test\r\nForwarded: for=192.0.2.7\r\n");
        Assert.Equal("192.0.2.7, 127.0.0.1", echoed["x-forwarded-for"]);
        Assert.Equal("http", echoed["x-forwarded-proto"]); // one value: the client's was replaced, not kept beside it
        Assert.Equal("original.test", echoed["x-forwarded-host"]);
        Assert.Equal("for=192.0.2.7, for=127.0.0.1;proto=http;host=\"fields.test\"", echoed["forwarded"]);
    }

    [Theory]
    [InlineData("/plain")]
    [InlineData("/mirrored")]
    [InlineData("/hashed")]
    [InlineData("/h2")]
    public async Task NoClientFields_TheProxyWritesEachOnce(string path)
    {
        var echoed = await EchoedAsync(path, "");
        Assert.Equal("127.0.0.1", echoed["x-forwarded-for"]);
        Assert.Equal("http", echoed["x-forwarded-proto"]);
        Assert.Equal("fields.test", echoed["x-forwarded-host"]);
        Assert.Equal("for=127.0.0.1;proto=http;host=\"fields.test\"", echoed["forwarded"]);
    }

    /// <summary>Several client lines of a field: joined by commas (an empty line left out, as StringValues joins them), then the peer.</summary>
    public static TheoryData<string, string, string, string> SeveralLines() => new()
    {
        {
            "/plain", "X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-For: 198.51.100.1\r\nForwarded: for=192.0.2.7\r\nForwarded: for=198.51.100.1\r\n",
            "192.0.2.7,198.51.100.1, 127.0.0.1", "for=192.0.2.7,for=198.51.100.1, "
        },
        {
            "/mirrored", "X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-For: 198.51.100.1\r\nForwarded: for=192.0.2.7\r\nForwarded: for=198.51.100.1\r\n",
            "192.0.2.7,198.51.100.1, 127.0.0.1", "for=192.0.2.7,for=198.51.100.1, "
        },
        { "/plain", "X-Forwarded-For:\r\nX-Forwarded-For: 192.0.2.7\r\nForwarded: for=192.0.2.7\r\nForwarded:\r\n", "192.0.2.7, 127.0.0.1", "for=192.0.2.7, " },
        { "/mirrored", "X-Forwarded-For:\r\nX-Forwarded-For: 192.0.2.7\r\nForwarded: for=192.0.2.7\r\nForwarded:\r\n", "192.0.2.7, 127.0.0.1", "for=192.0.2.7, " },
    };

    [Theory]
    [MemberData(nameof(SeveralLines))]
    public async Task SeveralClientLines_JoinedThenPeerAppended(string path, string fields, string forwardedFor, string forwardedBefore)
    {
        var echoed = await EchoedAsync(path, fields);
        Assert.Equal(forwardedFor, echoed["x-forwarded-for"]);
        Assert.Equal(forwardedBefore + "for=127.0.0.1;proto=http;host=\"fields.test\"", echoed["forwarded"]);
    }

    [Theory]
    [InlineData("/plain", "for=6.6.6.6;x=\"", "")] // an unclosed quote would take the proxy's element into it: dropped
    [InlineData("/mirrored", "for=6.6.6.6;x=\"", "")]
    [InlineData("/plain", "garbage\"", "")]
    [InlineData("/plain", "for=6.6.6.6;x=\"a\\\"", "")] // the escaped quote does not close it
    [InlineData("/plain", "for=\"[2001:db8::1]\";x=\"a\\\"b\"", "for=\"[2001:db8::1]\";x=\"a\\\"b\", ")] // closed: kept
    [InlineData("/mirrored", "for=\"[2001:db8::1]\"", "for=\"[2001:db8::1]\", ")]
    public async Task ClientForwarded_OnlyWhenItsQuotesClose_ThenThePeersElement(string path, string client, string kept)
    {
        var echoed = await EchoedAsync(path, $"Forwarded: {client}\r\n");
        Assert.Equal(kept + "for=127.0.0.1;proto=http;host=\"fields.test\"", echoed["forwarded"]);
    }

    [Theory]
    [InlineData("/plain")]
    [InlineData("/mirrored")]
    [InlineData("/hashed")]
    [InlineData("/h2")]
    public async Task ClientTraceParent_ReplacedByTheProxysSpanOfTheSameTrace(string path)
    {
        const string incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var echoed = await EchoedAsync(path, $"traceparent: {incoming}\r\n"); // a second value would fail the echo's Add
        var sent = echoed["traceparent"];
        Assert.Matches("^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$", sent);
        Assert.NotEqual(incoming, sent);
    }

    [Theory]
    [InlineData("/plain")]
    [InlineData("/h2")]
    public async Task NoTraceParent_TheProxyStartsATrace(string path)
    {
        var echoed = await EchoedAsync(path, "");
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-00$", echoed["traceparent"]);
    }

    [Fact]
    public async Task Mirror_CopyCarriesTheSameFieldsAsThePrimary()
    {
        var echoed = await EchoedAsync("/mirrored", "X-Forwarded-For: 192.0.2.7\r\n");
        Assert.Equal("192.0.2.7, 127.0.0.1", echoed["x-forwarded-for"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Assert.Equal("for=192.0.2.7, 127.0.0.1 proto=http host=fields.test forwarded=for=127.0.0.1;proto=http;host=\"fields.test\"",
            await _copies.Reader.ReadAsync(timeout.Token));
    }

    [Fact]
    public async Task UnrelatedFields_PassAsTheClientSentThem()
    {
        // Names of the same lengths as the replaced ones, which the head writer must not mistake for them.
        var echoed = await EchoedAsync("/plain", "X-Forwarded-Fox: a\r\nForwarde2: b\r\nX-Forwarded-Prot0: c\r\n");
        Assert.Equal(("a", "b", "c"), (echoed["x-forwarded-fox"], echoed["forwarde2"], echoed["x-forwarded-prot0"]));
    }
}

/// <summary>Without the Forwarded option the client's Forwarded passes as it came, on the head path too.</summary>
public sealed class ForwardingFieldsWithoutForwardedTests : IAsyncLifetime
{
    private EchoBackend _echo = null!;
    private GatewayProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        _proxy = await Manifests.StartAsync(GatewayYaml.AllTo("echo") + Manifests.Service("echo", _echo.Port));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _echo.DisposeAsync();
    }

    [Fact]
    public async Task ClientForwarded_PassesUnchanged_XForwardedForStillAppended()
    {
        var text = await Raw.SendAsync(Manifests.Port(_proxy), "GET / HTTP/1.1\r\nHost: fields.test\r\nForwarded: for=192.0.2.7\r\nX-Forwarded-For: 192.0.2.7\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.Contains("\r\nx-echo-h-forwarded: for=192.0.2.7\r\n", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nx-echo-h-x-forwarded-for: 192.0.2.7, 127.0.0.1\r\n", text, StringComparison.OrdinalIgnoreCase);
    }
}
