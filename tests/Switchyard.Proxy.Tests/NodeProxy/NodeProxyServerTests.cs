using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Proxy.NodeProxy;
using Switchyard.Proxy.Tests.Support;
using Switchyard.Store.Memory;

namespace Switchyard.Proxy.Tests.NodeProxy;

public sealed class NodeProxyServerTests : IAsyncLifetime
{
    private static int _nextIp = Random.Shared.Next(1, 200);
    private readonly InMemoryResourceStore _store = new();
    private readonly NodeProxyServer _proxy;
    private readonly string _clusterIp;
    private readonly int _servicePort = PortFreeOnEveryAddress(); // not a fixed one: a wildcard listener of another program on it would block the bind
    private readonly List<TcpEchoBackend> _backends = [];

    public NodeProxyServerTests()
    {
        var n = Interlocked.Increment(ref _nextIp);
        _clusterIp = $"127.97.{Environment.ProcessId % 250}.{1 + (n % 250)}";
        _proxy = new NodeProxyServer(_store, new NodeProxyOptions { ConnectTimeout = TimeSpan.FromSeconds(1) });
    }

    public Task InitializeAsync() => _proxy.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        foreach (var b in _backends) await b.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task Connect_TwoReadyEndpoints_RoundRobinsAndEchoes()
    {
        var a = Backend("a");
        var b = Backend("b");
        await CreateServiceAsync();
        await SetEndpointsAsync(Ep(a), Ep(b));
        await WaitListeningAsync(2);

        var seen = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var c = await ConnectAsync();
            seen.Add(await GreetingAsync(c));
            Assert.Equal("ping", await EchoAsync(c, "ping"));
        }

        Assert.Equal(2, seen.Count(s => s == "a"));
        Assert.Equal(2, seen.Count(s => s == "b"));
    }

    [Fact]
    public async Task Connect_NotReadyAndTerminatingEndpoints_AreSkipped()
    {
        var a = Backend("a");
        var b = Backend("b");
        var c = Backend("c");
        await CreateServiceAsync();
        await SetEndpointsAsync(Ep(a, ready: false), Ep(b), Ep(c, ready: false, serving: true, terminating: true));
        await WaitListeningAsync(1);

        for (var i = 0; i < 4; i++)
        {
            using var client = await ConnectAsync();
            Assert.Equal("b", await GreetingAsync(client));
        }
    }

    [Fact]
    public async Task Connect_OnlyTerminatingServingEndpoints_FallsBackToThem()
    {
        var a = Backend("a");
        await CreateServiceAsync();
        await SetEndpointsAsync(Ep(a, ready: false, serving: true, terminating: true));
        await WaitListeningAsync(1);

        using var client = await ConnectAsync();
        Assert.Equal("a", await GreetingAsync(client));
    }

    [Fact]
    public async Task Connect_EndpointRefuses_TriesTheNextOne()
    {
        var a = Backend("a");
        var deadPort = FreePort();
        await CreateServiceAsync();
        await SetEndpointsAsync(("dead", deadPort, true, true, false), Ep(a));
        await WaitListeningAsync(2);

        for (var i = 0; i < 4; i++)
        {
            using var client = await ConnectAsync();
            Assert.Equal("a", await GreetingAsync(client));
        }
    }

    [Fact]
    public async Task Connect_ClientIpAffinity_SticksToOneEndpoint()
    {
        var a = Backend("a");
        var b = Backend("b");
        await CreateServiceAsync(affinity: true);
        await SetEndpointsAsync(Ep(a), Ep(b));
        await WaitListeningAsync(2);

        var seen = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            using var client = await ConnectAsync();
            seen.Add(await GreetingAsync(client));
        }

        Assert.Single(seen);
    }

    [Fact]
    public async Task Update_EndpointsChange_NewConnectionsMoveEstablishedOnesStay()
    {
        var a = Backend("a");
        var b = Backend("b");
        await CreateServiceAsync();
        await SetEndpointsAsync(Ep(a));
        await WaitListeningAsync(1);
        using var established = await ConnectAsync();
        Assert.Equal("a", await GreetingAsync(established));

        await SetEndpointsAsync(Ep(b));
        await WaitAsync(() => _proxy.Listening.Values.Any(t => t.Endpoints.Any(e => e.Port == b.Port)), "the proxy to see endpoint b");

        using var fresh = await ConnectAsync();
        Assert.Equal("b", await GreetingAsync(fresh));
        Assert.Equal("still here", await EchoAsync(established, "still here"));
    }

    [Fact]
    public async Task Delete_Service_ClosesItsListener()
    {
        var a = Backend("a");
        await CreateServiceAsync();
        await SetEndpointsAsync(Ep(a));
        await WaitListeningAsync(1);

        await _store.DeleteAsync(new ObjectRef(ResourceKinds.Service, "default", "web"));

        await WaitAsync(() => !_proxy.Listening.Keys.Any(k => k.Address.ToString() == _clusterIp), "the listener to leave the table");
        // The socket closes just after the listener leaves the table (its disposal runs after the reconcile's lock).
        var refused = false;
        for (var i = 0; i < 500 && !refused; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Parse(_clusterIp), _servicePort);
                await Task.Delay(20);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                refused = true;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Queued on the listener as it closed, and reset with it: the next attempt tells.
            }
        }
        Assert.True(refused, "connections are still accepted after the Service was deleted");
    }

    [Fact]
    public async Task Connect_NoEndpoints_ClosesTheConnection()
    {
        await CreateServiceAsync();
        await WaitAsync(() => _proxy.Listening.Keys.Any(k => k.Address.ToString() == _clusterIp), "a listener");

        using var client = await ConnectAsync();
        var buffer = new byte[16];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await client.GetStream().ReadAsync(buffer, timeout.Token));
    }

    private TcpEchoBackend Backend(string name)
    {
        var b = new TcpEchoBackend(name);
        _backends.Add(b);
        return b;
    }

    private static (string Name, int Port, bool Ready, bool Serving, bool Terminating) Ep(TcpEchoBackend b, bool ready = true, bool serving = true, bool terminating = false) =>
        (b.Name, b.Port, ready, serving, terminating);

    private static int PortFreeOnEveryAddress()
    {
        using var l = new TcpListener(IPAddress.Any, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private async Task CreateServiceAsync(bool affinity = false)
    {
        var svc = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec
            {
                ClusterIP = _clusterIp,
                ClusterIPs = [_clusterIp],
                Selector = new Dictionary<string, string> { ["app"] = "web" },
                SessionAffinity = affinity ? "ClientIP" : "None",
                Ports = [new V1ServicePort { Name = "http", Port = _servicePort, Protocol = "TCP", TargetPort = "http" }],
            },
        };
        Assert.True((await _store.CreateAsync(svc)).Ok);
    }

    /// <summary>Replaces the service's slices: one slice per endpoint, since each backend has its own port.</summary>
    private async Task SetEndpointsAsync(params (string Name, int Port, bool Ready, bool Serving, bool Terminating)[] endpoints)
    {
        var existing = await _store.ListAsync(new Switchyard.Store.ListQuery(ResourceKinds.EndpointSlice, "default"));
        var ops = existing.Items.Select(s => Switchyard.Store.StoreOperation.Delete(ObjectRef.Of(s))).ToList();
        var generation = Guid.NewGuid().ToString("N")[..6];
        ops.AddRange(endpoints.Select(e => Switchyard.Store.StoreOperation.Create(new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            AddressType = "IPv4",
            Metadata = new V1ObjectMeta { Name = $"web-{e.Name}-{generation}", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = e.Port, Protocol = "TCP" }],
            Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = e.Ready, Serving = e.Serving, Terminating = e.Terminating } }],
        })));
        Assert.True((await _store.CommitAsync(ops)).Committed);
    }

    private Task WaitListeningAsync(int endpoints) =>
        WaitAsync(() => _proxy.Listening.Any(p => p.Key.Address.ToString() == _clusterIp && p.Value.Endpoints.Count == endpoints), $"a listener with {endpoints} endpoints");

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Parse(_clusterIp), _servicePort);
        return client;
    }

    private static async Task<string> GreetingAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var text = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await stream.ReadAsync(one, timeout.Token) == 1 && one[0] != '\n') text.Append((char)one[0]);
        return text.ToString();
    }

    private static async Task<string> EchoAsync(TcpClient client, string text)
    {
        var stream = client.GetStream();
        var bytes = Encoding.ASCII.GetBytes(text);
        await stream.WriteAsync(bytes);
        var buffer = new byte[bytes.Length];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer);
    }
}
