using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Forwarding;

/// <summary>
/// The upstream's response fields reach the client whole: a field the upstream repeats keeps each of its lines, and
/// fields the proxy set before forwarding (a sticky cookie) stay beside the upstream's. Real sockets, a Kestrel upstream.
/// </summary>
public sealed class ResponseFieldsTests : IAsyncLifetime
{
    private KestrelBackend _upstream = null!;
    private GatewayProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await KestrelBackend.StartAsync(HttpProtocols.Http1, static context =>
        {
            var headers = context.Response.Headers;
            headers.Append("Set-Cookie", "a=1");
            headers.Append("Set-Cookie", "b=2");
            headers["X-Once"] = "once";
            return Task.CompletedTask;
        });
        _proxy = await Manifests.StartAsync(GatewayYaml.Route("""
                - matches: [{path: {value: /plain}}]
                  backendRefs: [{name: plain, port: 80}]
                - matches: [{path: {value: /sticky}}]
                  backendRefs: [{name: sticky, port: 80}]
            """) + Manifests.Service("plain", _upstream.Port)
            + Manifests.Service("sticky", "default", "{lb.switchyard.dev/policy: round-robin, lb.switchyard.dev/sticky-cookie: sy}", _upstream.Port));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task<(string[] Cookies, string Once)> GetAsync(string path)
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(Manifests.Port(_proxy), "fields.test", "GET", path));
        Assert.Equal(200, (int)response.StatusCode);
        return (response.Headers.GetValues("Set-Cookie").Order(StringComparer.Ordinal).ToArray(), response.Headers.GetValues("X-Once").Single());
    }

    [Fact]
    public async Task RepeatedUpstreamField_EachLineArrives()
    {
        var (cookies, once) = await GetAsync("/plain");
        Assert.Equal(["a=1", "b=2"], cookies);
        Assert.Equal("once", once);
    }

    [Fact]
    public async Task FieldsTheProxySet_StayBesideTheUpstreams()
    {
        var (cookies, once) = await GetAsync("/sticky");
        Assert.Equal(3, cookies.Length);
        Assert.Equal(["a=1", "b=2"], cookies[..2]);
        Assert.StartsWith("sy=", cookies[2], StringComparison.Ordinal);
        Assert.Equal("once", once);
    }
}
