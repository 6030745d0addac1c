using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ProxyProtocol;

/// <summary>
/// The Gateway annotation as the proxy compiles it: a value other than true/false fails closed (the listeners are not
/// served, their status says why), two Gateways that share a port must agree on it, and the hash of
/// <c>sessionAffinity: ClientIP</c> is taken from the address the header carries.
/// </summary>
public sealed class ProxyProtocolConfigTests
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.90");

    private static ListenerStatus Listener(GatewayProxy proxy, string gateway) =>
        ((GatewayStatus)proxy.Statuses.Single(s => s.Object is Gateway g && g.Metadata.Name == gateway).Status).Listeners!.Single();

    private static V1ConditionView Condition(ListenerStatus listener, string type) =>
        listener.Conditions!.Where(c => c.Type == type).Select(c => new V1ConditionView(c.Status, c.Reason, c.Message)).Single();

    private sealed record V1ConditionView(string Status, string Reason, string Message);

    [Fact]
    public async Task InvalidGatewayAnnotation_ListenerNotServed_StatusNamesTheField()
    {
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + GatewayYaml.Gateway("edge", Address, "{gateway.switchyard.dev/proxy-protocol: \"yes\"}"));

        var listener = Listener(proxy, "edge");
        Assert.Equal(new V1ConditionView("False", "UnsupportedValue",
            "gateway default/edge: metadata.annotations[gateway.switchyard.dev/proxy-protocol]: 'yes' is not one of true, false"), Condition(listener, "Accepted"));
        Assert.Equal("False", Condition(listener, "Programmed").Status);
        Assert.Empty(proxy.Listeners);
    }

    [Fact]
    public async Task TwoGatewaysOnOnePort_OnlyOneAcceptsTheProxyProtocol_TheLaterConflicts()
    {
        var port = HaProxy.FreePort(Address);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.SharingPort("first", Address, port, "{gateway.switchyard.dev/proxy-protocol: \"true\"}") + GatewayYaml.SharingPort("second", Address, port, "{}"));

        Assert.Equal("True", Condition(Listener(proxy, "first"), "Accepted").Status);
        Assert.Equal(new V1ConditionView("True", "ProtocolConflict", $"{Address}:{port} already serves HTTP behind the PROXY protocol"), Condition(Listener(proxy, "second"), "Conflicted"));
        Assert.True(proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, port)].AcceptsProxyProtocol);
    }

    [Fact]
    public async Task SessionAffinityClientIp_HashesTheHeadersAddress()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var c = await EchoBackend.StartAsync("c");
        var service = GatewayYaml.ClientIpAffinity("site", a.Port, b.Port, c.Port);
        Assert.Contains("sessionAffinity: ClientIP", service);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Address, "{gateway.switchyard.dev/proxy-protocol: \"true\"}")
            + GatewayYaml.HttpRoute("site", "site", "edge") + service);
        var port = proxy.Listeners[new IPEndPoint(Address, 0)].Port;
        var request = ProxyProtocolClient.Ascii("GET / HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n");

        async Task<string?> BackendFor(string client)
        {
            var (response, _) = await ProxyProtocolClient.ExchangeAsync(IPAddress.Loopback, Address, port, [.. ProxyProtocolClient.Ascii($"PROXY TCP4 {client} 192.0.2.1 1000 80\r\n"), .. request]);
            return ProxyProtocolClient.Header(response, "x-backend");
        }

        var chosen = new Dictionary<string, string?>();
        for (var i = 1; i <= 24; i++) chosen[$"10.1.0.{i}"] = await BackendFor($"10.1.0.{i}");
        foreach (var (client, backend) in chosen) Assert.Equal(backend, await BackendFor(client)); // each client address sticks to its backend

        Assert.DoesNotContain(null, chosen.Values);
        Assert.True(chosen.Values.Distinct().Count() >= 2, "every header address went to one backend: the real peer (always 127.0.0.1) was hashed");
    }
}

/// <summary>The Ingress listener with <see cref="ProxyOptions.IngressProxyProtocol"/> (gateway serve --ingress-proxy-protocol).</summary>
public sealed class ProxyProtocolIngressTests
{
    [Fact]
    public async Task IngressProxyProtocol_HeaderRequired_ItsAddressForwarded()
    {
        await using var backend = await EchoBackend.StartAsync("site");
        var address = IPAddress.Parse("127.0.0.91");
        var bind = new IPEndPoint(address, HaProxy.FreePort(address));
        await using var proxy = await Manifests.StartAsync(Manifests.IngressAllTo("site") + Manifests.Service("site", backend.Port), new ProxyOptions { IngressHttp = bind, IngressProxyProtocol = true });
        var request = ProxyProtocolClient.Ascii("GET / HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n");

        var (withHeader, _) = await ProxyProtocolClient.ExchangeAsync(IPAddress.Loopback, address, bind.Port, [.. ProxyProtocolClient.Ascii("PROXY TCP4 198.51.100.3 192.0.2.1 1000 80\r\n"), .. request]);
        var (without, closed) = await ProxyProtocolClient.ExchangeAsync(IPAddress.Loopback, address, bind.Port, request);

        Assert.Equal("198.51.100.3", ProxyProtocolClient.Header(withHeader, "x-echo-h-x-forwarded-for"));
        Assert.True(closed);
        Assert.Equal("", without);
    }
}
