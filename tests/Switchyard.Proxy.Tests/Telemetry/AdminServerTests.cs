using System.Net;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Telemetry;

/// <summary>The admin address over a real socket: its three paths, HEAD, and what it refuses.</summary>
public sealed class AdminServerTests : IAsyncLifetime
{
    private EchoBackend _echo = null!;
    private GatewayProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _echo = await EchoBackend.StartAsync("echo");
        _proxy = await Manifests.StartAsync(GatewayYaml.AllTo("echo") + Manifests.Service("echo", _echo.Port),
            new ProxyOptions { Admin = new IPEndPoint(IPAddress.Loopback, 0) });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _echo.DisposeAsync();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path)
    {
        using var client = Manifests.Client();
        return await client.SendAsync(new HttpRequestMessage(method, new Uri(_proxy.AdminUrl!, path)));
    }

    [Fact]
    public async Task Metrics_AfterAProxiedRequest_CountsItAndTheProcess()
    {
        using (var client = Manifests.Client())
        using (var proxied = await client.SendAsync(Manifests.Request(Manifests.Port(_proxy), "any.test", "GET", "/x"))) Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        using var response = await SendAsync(HttpMethod.Get, "/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Contains(",code=\"200\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("\nprocess_resident_memory_bytes ", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/ready", "ready\n")]
    [InlineData("/config", "127.0.0.1:")]
    public async Task Paths_Get_Answered(string path, string starts)
    {
        using var response = await SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith(starts, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_HeadersWithoutBody()
    {
        using var response = await SendAsync(HttpMethod.Head, "/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(6, response.Content.Headers.ContentLength); // of "ready\n", the body GET would get
    }

    [Theory]
    [InlineData("/metrics/")]
    [InlineData("/Metrics")]
    public async Task Paths_AnyCaseAndTrailingSlash_Answered(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\nprocess_cpu_seconds_total ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_MethodNotAllowedWithAllow()
    {
        using var response = await SendAsync(HttpMethod.Post, "/metrics");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow);
    }

    [Fact]
    public async Task UnknownPath_NotFound()
    {
        using var response = await SendAsync(HttpMethod.Get, "/stats");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("/metrics, /ready and /config", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
