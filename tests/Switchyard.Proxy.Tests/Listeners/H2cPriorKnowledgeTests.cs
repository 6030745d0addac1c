using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Listeners;

/// <summary>Cleartext listeners serve HTTP/1.1 and HTTP/2 with prior knowledge on the same port (curl --http2-prior-knowledge, HttpClient, raw HTTP/1.1).</summary>
public sealed class H2cPriorKnowledgeTests : EchoGatewayFixture
{
    [SkippableFact]
    public async Task Curl_PriorKnowledge_IsServedAsHttp2()
    {
        Curl.SkipIfMissing();
        var (exit, output, err) = await Curl.RunAsync("--http2-prior-knowledge", "--write-out", " %{http_version}", "--header", "Host: h2c.test", $"http://127.0.0.1:{Port}/x");
        Assert.True(exit == 0, err);
        Assert.Equal("echo  2", output);
    }

    [Fact]
    public async Task HttpClient_PriorKnowledge_ForwardsWithListenerScheme()
    {
        using var client = Manifests.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{Port}/x") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new StringContent("body") };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("echo body", await response.Content.ReadAsStringAsync());
        Assert.Equal("http", response.Headers.GetValues("x-echo-h-x-forwarded-proto").Single());
    }

    [Fact]
    public async Task Start_KestrelsWarningThatHttp2NeedsTls_NotLogged()
    {
        // Kestrel warns at bind that a cleartext HTTP/1.1-and-HTTP/2 endpoint "will use HTTP/1.1": not so here.
        var logs = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug));
        await using var proxy = GatewayProxy.FromObjects(new ProxyOptions(), Manifests.Read(Yaml(Backend.Port)), loggers: loggers);
        await proxy.StartAsync(CancellationToken.None);
        await Raw.SendAsync(Manifests.Port(proxy), "GET /x HTTP/1.1\r\nHost: h1.test\r\nConnection: close\r\n\r\n");

        var kestrel = logs.GetSnapshot().Where(r => r.Category?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true).ToList();
        Assert.DoesNotContain(kestrel, r => r.Message.Contains("HTTP/2 is not enabled", StringComparison.Ordinal));
        Assert.NotEmpty(kestrel); // Kestrel's other messages (its connections' at debug level) still come through
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("PRI")]
    public async Task Http11_SamePort_IsStillServed(string method)
    {
        // "POST" and "PRI" share a prefix with the HTTP/2 preface; they must still be read as HTTP/1.1.
        var body = method == "GET" ? "" : "Content-Length: 2\r\n\r\nhi";
        var text = await Raw.SendAsync(Port, $"{method} /x HTTP/1.1\r\nHost: h1.test\r\nConnection: close\r\n{(body.Length == 0 ? "\r\n" : body)}");
        Assert.True(text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), text);
        Assert.Contains(method == "GET" ? "echo \r\n" : "echo hi", text, StringComparison.Ordinal);
    }
}
