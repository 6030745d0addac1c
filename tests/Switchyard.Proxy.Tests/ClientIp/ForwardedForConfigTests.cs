using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Model.Networking;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// The X-Forwarded-For annotation as the proxy compiles it: a bad value fails closed naming every bad entry, Gateways
/// sharing a port must trust the same set (in any order), it combines with the PROXY protocol (the header's source is
/// the peer that must be trusted), the PROXY header sent to backends names the peer, not the derived client, and the
/// Ingress listeners take it from <see cref="ProxyOptions.IngressXForwardedForTrustedCidrs"/>.
/// </summary>
public sealed class ForwardedForConfigTests
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.124");
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.125");
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.126");

    private sealed record ConditionView(string Status, string Reason, string Message);

    private static ConditionView Condition(GatewayProxy proxy, string gateway, string type) =>
        ((GatewayStatus)proxy.Statuses.Single(s => s.Object is Gateway g && g.Metadata.Name == gateway).Status).Listeners!.Single()
            .Conditions!.Where(c => c.Type == type).Select(c => new ConditionView(c.Status, c.Reason, c.Message)).Single();

    private static byte[] Get(string forwardedFor) =>
        ProxyProtocolClient.Ascii($"GET /x HTTP/1.1\r\nHost: site.example\r\nX-Forwarded-For: {forwardedFor}\r\nConnection: close\r\n\r\n");

    [Fact]
    public async Task InvalidAnnotation_ListenerNotServed_StatusNamesEveryBadEntry()
    {
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Address, "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.1/8, 192.168.0.0/16, foo\"}"));

        Assert.Equal(new ConditionView("False", "UnsupportedValue",
            "gateway default/edge: metadata.annotations[gateway.switchyard.dev/x-forwarded-for-trusted-cidrs]: "
            + "'10.0.0.1/8': must be a network address with no host bits set (did you mean \"10.0.0.0/8\"?); "
            + "'foo': must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"), Condition(proxy, "edge", "Accepted"));
        Assert.Equal("False", Condition(proxy, "edge", "Programmed").Status);
        Assert.Empty(proxy.Listeners);
    }

    [Fact]
    public async Task TwoGatewaysOnOnePort_DifferentTrust_TheLaterConflicts()
    {
        var port = HaProxy.FreePort(Address);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.SharingPort("first", Address, port, "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8\"}")
            + GatewayYaml.SharingPort("second", Address, port, "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8, 192.168.0.0/16\"}"));

        Assert.Equal("True", Condition(proxy, "first", "Accepted").Status);
        Assert.Equal(new ConditionView("True", "ProtocolConflict", $"{Address}:{port} already serves HTTP trusting X-Forwarded-For from 10.0.0.0/8"),
            Condition(proxy, "second", "Conflicted"));
        Assert.Equal("10.0.0.0/8", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, port)].ForwardedForTrusted?.Text);
    }

    [Fact]
    public async Task TwoGatewaysOnOnePort_SameSetInAnotherOrder_BothAccepted()
    {
        var port = HaProxy.FreePort(Address);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.SharingPort("first", Address, port, "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8, ::1/128\"}")
            + GatewayYaml.SharingPort("second", Address, port, "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"::1/128,10.0.0.0/8\"}"));

        Assert.Equal("True", Condition(proxy, "first", "Accepted").Status);
        Assert.Equal("True", Condition(proxy, "second", "Accepted").Status);
    }

    [Fact]
    public async Task ListenerSetListener_GetsItsGatewaysTrustedSet()
    {
        var port = HaProxy.FreePort(Address);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Address, "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8\"}", allowListenerSets: true) + $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: team, namespace: default}
            spec:
              parentRef: {name: edge}
              listeners: [{name: extra, port: {{{port}}}, protocol: HTTP}]
            ---

            """);

        Assert.Equal("10.0.0.0/8", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, 0)].ForwardedForTrusted?.Text);
        Assert.Equal("10.0.0.0/8", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, port)].ForwardedForTrusted?.Text);
    }

    [Fact]
    public async Task WithProxyProtocol_TheHeadersSourceIsThePeerThatMustBeTrusted()
    {
        await using var backend = await EchoBackend.StartAsync("site");
        var log = new SharedLog();
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Address,
                "{gateway.switchyard.dev/proxy-protocol: \"true\", gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8\"}")
            + GatewayYaml.HttpRoute("site", "site", "edge") + Manifests.Service("site", backend.Port), new ProxyOptions { AccessLog = log.Writer });
        var port = proxy.Listeners[new IPEndPoint(Address, 0)].Port;

        var (trusted, _) = await ProxyProtocolClient.ExchangeAsync(Balancer, Address, port,
            [.. ProxyProtocolClient.Ascii("PROXY TCP4 10.0.0.1 192.0.2.1 1000 80\r\n"), .. Get("203.0.113.5")]);
        var (untrusted, _) = await ProxyProtocolClient.ExchangeAsync(Balancer, Address, port,
            [.. ProxyProtocolClient.Ascii("PROXY TCP4 198.51.100.9 192.0.2.1 1000 80\r\n"), .. Get("203.0.113.6")]);

        Assert.Equal("203.0.113.5, 10.0.0.1", ProxyProtocolClient.Header(trusted, "x-echo-h-x-forwarded-for"));
        Assert.Equal("203.0.113.6, 198.51.100.9", ProxyProtocolClient.Header(untrusted, "x-echo-h-x-forwarded-for"));
        await Wait.UntilAsync(() => log.ToString().Contains("\"client\":\"203.0.113.5\",\"peer\":\"10.0.0.1\"", StringComparison.Ordinal)
            && log.ToString().Contains("\"client\":\"198.51.100.9\"}", StringComparison.Ordinal), "the derived client, and the untrusted header's source");
    }

    [Fact]
    public async Task ProxyHeaderToBackends_NamesThePeer_NotTheDerivedClient()
    {
        await using var backend = new ProxyProtocolBackend(IPAddress.Loopback);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Address, $"{{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"{Balancer}/32\"}}")
            + GatewayYaml.HttpRoute("site", "pp", "edge") + Manifests.Service("pp", "default", "{lb.switchyard.dev/proxy-protocol: v1}", backend.Port));
        var port = proxy.Listeners[new IPEndPoint(Address, 0)].Port;

        var (response, _) = await ProxyProtocolClient.ExchangeAsync(Balancer, Address, port, Get("203.0.113.5"));

        Assert.StartsWith($"PROXY TCP4 {Balancer} {Address} ", ProxyProtocolClient.Body(response));
    }

    [Fact]
    public async Task Ingress_TrustedCidrsOption_DerivesTheClient()
    {
        await using var backend = await EchoBackend.StartAsync("site");
        var log = new SharedLog();
        var bind = new IPEndPoint(Address, HaProxy.FreePort(Address));
        await using var proxy = await Manifests.StartAsync(Manifests.IngressAllTo("site") + Manifests.Service("site", backend.Port), new ProxyOptions
        {
            IngressHttp = bind,
            IngressXForwardedForTrustedCidrs = [Cidr($"{Balancer}/32")],
            AccessLog = log.Writer,
        });

        var (fromBalancer, _) = await ProxyProtocolClient.ExchangeAsync(Balancer, Address, bind.Port, Get("203.0.113.7"));
        var (fromStranger, _) = await ProxyProtocolClient.ExchangeAsync(Stranger, Address, bind.Port, Get("203.0.113.8"));

        Assert.StartsWith("HTTP/1.1 200", fromBalancer);
        Assert.StartsWith("HTTP/1.1 200", fromStranger);
        await Wait.UntilAsync(() => log.ToString().Contains($"\"client\":\"203.0.113.7\",\"peer\":\"{Balancer}\"", StringComparison.Ordinal)
            && log.ToString().Contains($"\"client\":\"{Stranger}\"}}", StringComparison.Ordinal), "the balancer's client, and the stranger itself");
    }

    [Fact]
    public void ProxyOptions_TrustedCidrsWithoutIngressListener_Refused() => Assert.Equal(
        ["IngressXForwardedForTrustedCidrs (--ingress-x-forwarded-for-trusted-cidrs): no Ingress listener is set; set IngressHttp or IngressHttps (--ingress-http, --ingress-https)"],
        new ProxyOptions { IngressXForwardedForTrustedCidrs = [Cidr("10.0.0.0/8")] }.Validate());

    private static IpPrefix Cidr(string text) => IpPrefix.TryParse(text, out var cidr) ? cidr : throw new ArgumentException(text);
}
