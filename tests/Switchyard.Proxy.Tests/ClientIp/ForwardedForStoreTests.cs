using System.Net;
using System.Text.Json.Nodes;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// Store mode: the Gateway's annotation changes while a keep-alive connection from the balancer stays open. The
/// listener keeps its socket, and the next request on the same connection is judged by the new set: a set that no
/// longer holds the balancer stops believing its X-Forwarded-For, one that holds it again starts.
/// </summary>
public sealed class ForwardedForStoreTests
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.128");
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.129");

    private static string Gateway(string trusted) =>
        GatewayYaml.Gateway("edge", Address, $"{{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"{trusted}\"}}");

    [Fact]
    public async Task AnnotationChanges_SameConnection_NextRequestJudgedByTheNewSet()
    {
        await using var echo = await EchoBackend.StartAsync("echo");
        await using var store = new InMemoryResourceStore();
        foreach (var o in Manifests.Read(Manifests.GatewayClass + Gateway($"{Balancer}/32") + GatewayYaml.HttpRoute("site", "echo", "edge") + Manifests.Service("echo", echo.Port)))
        {
            Assert.True((await store.CreateAsync(o)).Ok);
        }
        var log = new SharedLog();
        await using var proxy = GatewayProxy.FromStore(new ProxyOptions { AccessLog = log.Writer }, store);
        await proxy.StartAsync(CancellationToken.None);
        var port = proxy.Listeners[new IPEndPoint(Address, 0)].Port;
        using var http = new BoundClient(Balancer);
        var sent = 0;

        async Task<string?> ClientAsync()
        {
            var path = $"/r{++sent}";
            using (var response = await http.GetAsync(Address, port, path, "203.0.113.5")) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonNode? line = null;
            await Wait.UntilAsync(() => (line = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonNode.Parse(l)!).FirstOrDefault(n => (string?)n["path"] == path)) is not null, $"access log line for {path}");
            return (string?)line!["client"];
        }

        async Task ChangeUntilAsync(string trusted, string client)
        {
            Assert.True((await store.UpdateAsync(Manifests.Read(Gateway(trusted)).Single())).Ok);
            var seen = await ClientAsync();
            for (var i = 0; i < 100 && seen != client; i++)
            {
                await Task.Delay(50);
                seen = await ClientAsync();
            }
            Assert.Equal(client, seen);
        }

        Assert.Equal("203.0.113.5", await ClientAsync());
        await ChangeUntilAsync("10.0.0.0/8", Balancer.ToString());
        await ChangeUntilAsync($"10.0.0.0/8, {Balancer}/32", "203.0.113.5");
        Assert.Equal(1, http.Connections);
    }
}
