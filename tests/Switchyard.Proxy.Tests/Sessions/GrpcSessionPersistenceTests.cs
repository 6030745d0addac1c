using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Sessions;

/// <summary>
/// GRPCRoute sessionPersistence: gRPC-framed calls over HTTP/2 with prior knowledge through the proxy to backends that
/// speak only HTTP/2. A Header session (what gRPC clients can carry) and a Cookie session (Path: the method match's
/// service) each pin the calls of one client to one endpoint of a round-robin Service.
/// </summary>
public sealed class GrpcSessionPersistenceTests : IAsyncLifetime
{
    private readonly List<KestrelBackend> _backends = [];
    private GatewayProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "a", "b", "c" }) _backends.Add(await KestrelBackend.StartAsync(HttpProtocols.Http2, context => AnswerAsync(context, name)));
        var rules = """
                - matches: [{method: {service: shop.Pay}}]
                  backendRefs: [{name: svc, port: 80}]
                  sessionPersistence: {type: Header, sessionName: x-grpc-session}
                - matches: [{method: {service: shop.Cart}}]
                  backendRefs: [{name: svc, port: 80}]
                  sessionPersistence: {sessionName: cart}
            """;
        var yaml = GatewayYaml.Route(rules, "shop", "GRPCRoute") + Manifests.Service("svc", "default", "{lb.switchyard.dev/policy: round-robin}", [.. _backends.Select(b => b.Port)]);
        _proxy = await Manifests.StartAsync(yaml);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        foreach (var b in _backends) await b.DisposeAsync();
    }

    private static async Task AnswerAsync(HttpContext context, string name)
    {
        await context.Request.Body.CopyToAsync(Stream.Null);
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["x-backend"] = name;
        await context.Response.Body.WriteAsync(GrpcCalls.Frame([1, 2, 3]));
        context.Response.AppendTrailer("grpc-status", "0");
    }

    private async Task<(string Backend, HttpResponseMessage Response)> CallAsync(HttpClient client, string path, params (string Name, string Value)[] headers)
    {
        var response = await GrpcCalls.SendAsync(client, Manifests.Port(_proxy), "grpc.test", path, [9], headers);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        return (response.Headers.GetValues("x-backend").Single(), response);
    }

    [Fact]
    public async Task HeaderSession_CallsWithTheToken_StayOnOneEndpoint()
    {
        using var client = Manifests.Client();
        var (first, response) = await CallAsync(client, "/shop.Pay/Charge");
        var token = response.Headers.GetValues("x-grpc-session").Single();
        Assert.False(response.Headers.Contains("Set-Cookie"));
        response.Dispose();
        for (var i = 0; i < 9; i++)
        {
            var (backend, again) = await CallAsync(client, "/shop.Pay/Refund", ("x-grpc-session", token));
            using (again) Assert.Equal((first, token), (backend, again.Headers.GetValues("x-grpc-session").Single()));
        }
        var balanced = new HashSet<string>();
        for (var i = 0; i < 3; i++)
        {
            var (backend, r) = await CallAsync(client, "/shop.Pay/Charge");
            r.Dispose();
            balanced.Add(backend);
        }
        Assert.Equal(["a", "b", "c"], balanced.Order());
    }

    [Fact]
    public async Task CookieSession_PathIsTheService_CallsWithTheCookieStay()
    {
        using var client = Manifests.Client();
        var (first, response) = await CallAsync(client, "/shop.Cart/Add");
        var setCookie = response.Headers.GetValues("Set-Cookie").Single();
        response.Dispose();
        Assert.Matches("^cart=[A-Za-z0-9_-]{55}; Path=/shop.Cart; HttpOnly; SameSite=Lax$", setCookie);
        for (var i = 0; i < 9; i++)
        {
            var (backend, again) = await CallAsync(client, "/shop.Cart/List", ("Cookie", setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)]));
            using (again)
            {
                Assert.Equal(first, backend);
                Assert.False(again.Headers.Contains("Set-Cookie"));
            }
        }
    }
}
