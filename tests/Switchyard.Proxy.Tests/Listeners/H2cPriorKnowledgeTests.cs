using System.Net;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>Cleartext listeners serve HTTP/1.1 and HTTP/2 with prior knowledge on the same port (curl --http2-prior-knowledge, HttpClient, raw HTTP/1.1).</summary>
public sealed class H2cPriorKnowledgeTests : IAsyncLifetime
{
    private EchoBackend _backend = null!;
    private GatewayProxy _proxy = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _backend = await EchoBackend.StartAsync("echo");
        _proxy = await Manifests.StartAsync(GatewayYaml.AllTo("echo") + Manifests.Service("echo", _backend.Port));
        _port = Manifests.Port(_proxy);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [SkippableFact]
    public async Task Curl_PriorKnowledge_IsServedAsHttp2()
    {
        Curl.SkipIfMissing();
        var (exit, output, err) = await Curl.RunAsync("--http2-prior-knowledge", "--write-out", " %{http_version}", "--header", "Host: h2c.test", $"http://127.0.0.1:{_port}/x");
        Assert.True(exit == 0, err);
        Assert.Equal("echo  2", output);
    }

    [Fact]
    public async Task HttpClient_PriorKnowledge_ForwardsWithListenerScheme()
    {
        using var client = Manifests.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_port}/x") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new StringContent("body") };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("echo body", await response.Content.ReadAsStringAsync());
        Assert.Equal("http", response.Headers.GetValues("x-echo-h-x-forwarded-proto").Single());
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("PRI")]
    public async Task Http11_SamePort_IsStillServed(string method)
    {
        // "POST" and "PRI" share a prefix with the HTTP/2 preface; they must still be read as HTTP/1.1.
        var body = method == "GET" ? "" : "Content-Length: 2\r\n\r\nhi";
        var text = await Raw.SendAsync(_port, $"{method} /x HTTP/1.1\r\nHost: h1.test\r\nConnection: close\r\n{(body.Length == 0 ? "\r\n" : body)}");
        Assert.True(text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), text);
        Assert.Contains(method == "GET" ? "echo \r\n" : "echo hi", text, StringComparison.Ordinal);
    }
}
