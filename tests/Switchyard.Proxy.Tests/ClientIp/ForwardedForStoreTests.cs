using System.Net;
using System.Text.Json.Nodes;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// Store mode: the Gateway's annotation changes while a keep-alive connection from the balancer stays open. The
/// listener keeps its socket, and the next request on the same connection is judged by the new set: a set that no
/// longer holds the balancer stops believing its X-Forwarded-For, one that holds it again starts; switching to a hop
/// count and back changes the mode on the same connection too.
/// </summary>
public sealed class ForwardedForStoreTests
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.128");
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.129");

    private static string Gateway(string trusted) => GatewayAnnotated($"{{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"{trusted}\"}}");

    private static string GatewayAnnotated(string annotations) => GatewayYaml.Gateway("edge", Address, annotations);

    [Fact]
    public async Task AnnotationChanges_SameConnection_NextRequestJudgedByTheNewSet()
    {
        await using var run = await StoreRun.StartAsync(Gateway($"{Balancer}/32"));

        Assert.Equal("203.0.113.5", await run.ClientAsync("203.0.113.5"));
        await run.ChangeUntilAsync(Gateway("10.0.0.0/8"), "203.0.113.5", Balancer.ToString());
        await run.ChangeUntilAsync(Gateway($"10.0.0.0/8, {Balancer}/32"), "203.0.113.5", "203.0.113.5");
        Assert.Equal(1, run.Connections);
    }

    [Fact]
    public async Task ModeChanges_CidrsToHopsAndBack_SameConnection_NextRequestJudgedByTheNewMode()
    {
        await using var run = await StoreRun.StartAsync(Gateway("10.0.0.0/8"));

        Assert.Equal(Balancer.ToString(), await run.ClientAsync("198.51.100.1, 203.0.113.5"));
        await run.ChangeUntilAsync(GatewayAnnotated("{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"2\"}"), "198.51.100.1, 203.0.113.5", "198.51.100.1");
        await run.ChangeUntilAsync(GatewayAnnotated("{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"1\"}"), "198.51.100.1, 203.0.113.5", "203.0.113.5");
        await run.ChangeUntilAsync(GatewayAnnotated("{}"), "198.51.100.1, 203.0.113.5", Balancer.ToString());
        await run.ChangeUntilAsync(Gateway($"{Balancer}/32"), "198.51.100.1, 203.0.113.5", "203.0.113.5");
        Assert.Equal(1, run.Connections);
    }

    /// <summary>A store holding the Gateway, a route and an echo Service, a proxy following it, and one keep-alive client from the balancer.</summary>
    private sealed class StoreRun : IAsyncDisposable
    {
        private readonly EchoBackend _echo;
        private readonly InMemoryResourceStore _store;
        private readonly GatewayProxy _proxy;
        private readonly SharedLog _log;
        private readonly BoundClient _http = new(Balancer);
        private readonly int _port;
        private int _sent;

        private StoreRun(EchoBackend echo, InMemoryResourceStore store, GatewayProxy proxy, SharedLog log)
        {
            (_echo, _store, _proxy, _log) = (echo, store, proxy, log);
            _port = proxy.Listeners[new IPEndPoint(Address, 0)].Port;
        }

        public int Connections => _http.Connections;

        public static async Task<StoreRun> StartAsync(string gateway)
        {
            var echo = await EchoBackend.StartAsync("echo");
            var store = new InMemoryResourceStore();
            foreach (var o in Manifests.Read(Manifests.GatewayClass + gateway + GatewayYaml.HttpRoute("site", "echo", "edge") + Manifests.Service("echo", echo.Port)))
            {
                Assert.True((await store.CreateAsync(o)).Ok);
            }
            var log = new SharedLog();
            var proxy = GatewayProxy.FromStore(new ProxyOptions { AccessLog = log.Writer }, store);
            await proxy.StartAsync(CancellationToken.None);
            return new StoreRun(echo, store, proxy, log);
        }

        /// <summary>The access log's client of one request on the kept connection with <paramref name="forwardedFor"/>.</summary>
        public async Task<string?> ClientAsync(string forwardedFor)
        {
            var path = $"/r{++_sent}";
            using (var response = await _http.GetAsync(Address, _port, path, forwardedFor)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonNode? line = null;
            await Wait.UntilAsync(() => (line = _log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonNode.Parse(l)!).FirstOrDefault(n => (string?)n["path"] == path)) is not null, $"access log line for {path}");
            return (string?)line!["client"];
        }

        /// <summary>Updates the Gateway, then sends requests until one's client is <paramref name="client"/> (the proxy follows the store asynchronously).</summary>
        public async Task ChangeUntilAsync(string gateway, string forwardedFor, string client)
        {
            Assert.True((await _store.UpdateAsync(Manifests.Read(gateway).Single())).Ok);
            var seen = await ClientAsync(forwardedFor);
            for (var i = 0; i < 400 && seen != client; i++) // up to 20 s, as Wait.UntilAsync: the store watch may lag on a loaded machine
            {
                await Task.Delay(50);
                seen = await ClientAsync(forwardedFor);
            }
            Assert.Equal(client, seen);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await _proxy.DisposeAsync();
            await _store.DisposeAsync();
            await _echo.DisposeAsync();
        }
    }
}
