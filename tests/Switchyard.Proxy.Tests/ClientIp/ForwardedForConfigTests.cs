using System.Net;
using Switchyard.Model.Gateway;
using Switchyard.Model.Networking;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.ClientIp;

/// <summary>
/// The X-Forwarded-For annotation as the proxy compiles it: a bad value fails closed naming every bad entry, Gateways
/// sharing a port must trust the same set (in any order), it combines with the PROXY protocol (the header's source is
/// the peer that must be trusted), the PROXY header sent to backends names the peer, not the derived client, and the
/// Ingress listeners take it from <see cref="ProxyOptions.IngressXForwardedForTrustedCidrs"/>. The hop-count annotation
/// likewise: a bad value or both annotations fail closed, Gateways sharing a port must trust the same number of hops
/// (and not one CIDRs, the other hops), the Ingress listeners take it from <see cref="ProxyOptions.IngressXForwardedForTrustedHops"/>.
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
        Assert.Equal("10.0.0.0/8", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, port)].ClientIpDetection?.Cidrs?.Text);
    }

    /// <summary>{first Gateway's annotations, second's, the port's setting}: the same trust, however written, lets both serve.</summary>
    [Theory]
    [InlineData("{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8, ::1/128\"}",
        "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"::1/128,10.0.0.0/8\"}", "trusting X-Forwarded-For from 10.0.0.0/8, ::1/128")]
    [InlineData("{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"2\"}", "{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \" 2 \"}",
        "trusting 2 X-Forwarded-For hops")]
    public async Task TwoGatewaysOnOnePort_SameTrust_BothAccepted(string first, string second, string trust)
    {
        var port = HaProxy.FreePort(Address);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.SharingPort("first", Address, port, first) + GatewayYaml.SharingPort("second", Address, port, second));

        Assert.Equal("True", Condition(proxy, "first", "Accepted").Status);
        Assert.Equal("True", Condition(proxy, "second", "Accepted").Status);
        Assert.Equal(trust, proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, port)].ClientIpDetection?.Text);
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

        Assert.Equal("10.0.0.0/8", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, 0)].ClientIpDetection?.Cidrs?.Text);
        Assert.Equal("10.0.0.0/8", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, port)].ClientIpDetection?.Cidrs?.Text);
    }

    /// <summary>
    /// {trust annotation, then per connection: the PROXY header's source, X-Forwarded-For, and the access log's client
    /// (and peer)}: the header's source is the peer, trusted by CIDR or taken as the last hop.
    /// </summary>
    [Theory]
    [InlineData("x-forwarded-for-trusted-cidrs: \"10.0.0.0/8\"", "10.0.0.1", "203.0.113.5", "\"client\":\"203.0.113.5\",\"peer\":\"10.0.0.1\"",
        "198.51.100.9", "203.0.113.6", "\"client\":\"198.51.100.9\"}")]
    [InlineData("x-forwarded-for-trusted-hops: \"2\"", "198.51.100.9", "203.0.113.5, 10.0.0.2", "\"client\":\"203.0.113.5\",\"peer\":\"198.51.100.9\"",
        "198.51.100.8", "203.0.113.6", "\"client\":\"198.51.100.8\"}")]
    public async Task WithProxyProtocol_TheHeadersSourceIsThePeer(string trust, string source1, string forwardedFor1, string logged1,
        string source2, string forwardedFor2, string logged2)
    {
        await using var backend = await EchoBackend.StartAsync("site");
        var log = new SharedLog();
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass
            + GatewayYaml.Gateway("edge", Address, $"{{gateway.switchyard.dev/proxy-protocol: \"true\", gateway.switchyard.dev/{trust}}}")
            + GatewayYaml.HttpRoute("site", "site", "edge") + Manifests.Service("site", backend.Port), new ProxyOptions { AccessLog = log.Writer });
        var port = proxy.Listeners[new IPEndPoint(Address, 0)].Port;

        var (first, _) = await ProxyProtocolClient.ExchangeAsync(Balancer, Address, port,
            [.. ProxyProtocolClient.Ascii($"PROXY TCP4 {source1} 192.0.2.1 1000 80\r\n"), .. Get(forwardedFor1)]);
        var (second, _) = await ProxyProtocolClient.ExchangeAsync(Balancer, Address, port,
            [.. ProxyProtocolClient.Ascii($"PROXY TCP4 {source2} 192.0.2.1 1000 80\r\n"), .. Get(forwardedFor2)]);

        Assert.Equal($"{forwardedFor1}, {source1}", ProxyProtocolClient.Header(first, "x-echo-h-x-forwarded-for"));
        Assert.Equal($"{forwardedFor2}, {source2}", ProxyProtocolClient.Header(second, "x-echo-h-x-forwarded-for"));
        await Wait.UntilAsync(() => log.ToString().Contains(logged1, StringComparison.Ordinal) && log.ToString().Contains(logged2, StringComparison.Ordinal),
            "the derived client of the first connection, and the second's header source");
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

    private const string HopsPath = "metadata.annotations[gateway.switchyard.dev/x-forwarded-for-trusted-hops]";

    [Fact]
    public async Task BothAnnotations_ListenerNotServed_StatusSaysOnlyOne()
    {
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + GatewayYaml.Gateway("edge", Address,
            "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8\", gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"2\"}"));

        Assert.Equal(new ConditionView("False", "UnsupportedValue",
            $"gateway default/edge: {HopsPath}: only one of gateway.switchyard.dev/x-forwarded-for-trusted-cidrs and "
            + "gateway.switchyard.dev/x-forwarded-for-trusted-hops may be set: trust X-Forwarded-For by the peer's CIDR or by a number of hops, not both"),
            Condition(proxy, "edge", "Accepted"));
        Assert.Empty(proxy.Listeners);
    }

    [Fact]
    public async Task InvalidHopsAndCidrs_ListenerNotServed_StatusNamesEveryProblem()
    {
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + GatewayYaml.Gateway("edge", Address,
            "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"foo\", gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"0\"}"));

        Assert.Equal(new ConditionView("False", "UnsupportedValue",
            "gateway default/edge: metadata.annotations[gateway.switchyard.dev/x-forwarded-for-trusted-cidrs]: 'foo': must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64); "
            + $"{HopsPath}: '0': must be a whole number of hops from 1 to 16: the proxies in front that append to X-Forwarded-For (1: a load balancer; 2: a CDN, then a load balancer); "
            + "only one of gateway.switchyard.dev/x-forwarded-for-trusted-cidrs and gateway.switchyard.dev/x-forwarded-for-trusted-hops may be set: "
            + "trust X-Forwarded-For by the peer's CIDR or by a number of hops, not both"),
            Condition(proxy, "edge", "Accepted"));
        Assert.Empty(proxy.Listeners);
    }

    [Theory]
    [InlineData("{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"1\"}", "{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"2\"}", "HTTP trusting 1 X-Forwarded-For hop")]
    [InlineData("{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8\"}", "{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"1\"}", "HTTP trusting X-Forwarded-For from 10.0.0.0/8")]
    [InlineData("{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"2\"}", "{gateway.switchyard.dev/x-forwarded-for-trusted-cidrs: \"10.0.0.0/8\"}", "HTTP trusting 2 X-Forwarded-For hops")]
    [InlineData("{gateway.switchyard.dev/x-forwarded-for-trusted-hops: \"2\"}", "{}", "HTTP trusting 2 X-Forwarded-For hops")]
    public async Task TwoGatewaysOnOnePort_DifferentHops_TheLaterConflicts(string first, string second, string serves)
    {
        var port = HaProxy.FreePort(Address);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + GatewayYaml.SharingPort("first", Address, port, first) + GatewayYaml.SharingPort("second", Address, port, second));

        Assert.Equal("True", Condition(proxy, "first", "Accepted").Status);
        Assert.Equal(new ConditionView("True", "ProtocolConflict", $"{Address}:{port} already serves {serves}"), Condition(proxy, "second", "Conflicted"));
    }

    [Fact]
    public async Task ListenerSetListener_GetsItsGatewaysHops()
    {
        var port = HaProxy.FreePort(Address);
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + $$$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default, annotations: {gateway.switchyard.dev/x-forwarded-for-trusted-hops: "2"}}
            spec:
              gatewayClassName: switchyard
              addresses: [{type: IPAddress, value: "{{{Address}}}"}]
              allowedListeners: {namespaces: {from: Same}}
              listeners: [{name: l, port: 0, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: ListenerSet
            metadata: {name: team, namespace: default}
            spec:
              parentRef: {name: edge}
              listeners: [{name: extra, port: {{{port}}}, protocol: HTTP}]
            ---

            """);

        Assert.Equal("trusting 2 X-Forwarded-For hops", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, 0)].ClientIpDetection?.Text);
        Assert.Equal("trusting 2 X-Forwarded-For hops", proxy.Runtime.View.Current.Listeners[new IPEndPoint(Address, port)].ClientIpDetection?.Text);
    }

    [Fact]
    public async Task Ingress_TrustedHopsOption_DerivesTheClientFromAnyPeer()
    {
        await using var backend = await EchoBackend.StartAsync("site");
        var log = new SharedLog();
        var bind = new IPEndPoint(Address, HaProxy.FreePort(Address));
        await using var proxy = await Manifests.StartAsync("""
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: site, namespace: default}
            spec:
              rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: site, port: {number: 80}}}}]}}]
            ---

            """ + Manifests.Service("site", backend.Port), new ProxyOptions
        {
            IngressHttp = bind,
            IngressXForwardedForTrustedHops = 2,
            AccessLog = log.Writer,
        });

        var (twoHops, _) = await ProxyProtocolClient.ExchangeAsync(Stranger, Address, bind.Port, Get("6.6.6.6, 203.0.113.7, 10.0.0.2"));
        var (tooShort, _) = await ProxyProtocolClient.ExchangeAsync(Balancer, Address, bind.Port, Get("203.0.113.8"));

        Assert.StartsWith("HTTP/1.1 200", twoHops);
        Assert.Equal($"6.6.6.6, 203.0.113.7, 10.0.0.2, {Stranger}", ProxyProtocolClient.Header(twoHops, "x-echo-h-x-forwarded-for"));
        Assert.StartsWith("HTTP/1.1 200", tooShort);
        await Wait.UntilAsync(() => log.ToString().Contains($"\"client\":\"203.0.113.7\",\"peer\":\"{Stranger}\"", StringComparison.Ordinal)
            && log.ToString().Contains($"\"client\":\"{Balancer}\"}}", StringComparison.Ordinal), "the second address from the right, and the peer for a header too short");
    }

    [Fact]
    public void ProxyOptions_TrustedHops_Refused() => Assert.Equal(
        [
            "IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-hops): 17 is not from 1 to 16 (0: none)",
            "IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-hops): no Ingress listener is set; set IngressHttp or IngressHttps (--ingress-http, --ingress-https)",
            "IngressXForwardedForTrustedHops (--ingress-x-forwarded-for-trusted-hops): only one of IngressXForwardedForTrustedCidrs and IngressXForwardedForTrustedHops "
            + "(--ingress-x-forwarded-for-trusted-cidrs, --ingress-x-forwarded-for-trusted-hops) may be set: trust X-Forwarded-For by the peer's CIDR or by a number of hops, not both",
        ],
        new ProxyOptions { IngressXForwardedForTrustedCidrs = [Cidr("10.0.0.0/8")], IngressXForwardedForTrustedHops = 17 }.Validate().Where(e => e.Contains("Hops", StringComparison.Ordinal)));

    [Fact]
    public void ProxyOptions_TrustedCidrsWithoutIngressListener_Refused() => Assert.Equal(
        ["IngressXForwardedForTrustedCidrs (--ingress-x-forwarded-for-trusted-cidrs): no Ingress listener is set; set IngressHttp or IngressHttps (--ingress-http, --ingress-https)"],
        new ProxyOptions { IngressXForwardedForTrustedCidrs = [Cidr("10.0.0.0/8")] }.Validate());

    private static IpPrefix Cidr(string text) => IpPrefix.TryParse(text, out var cidr) ? cidr : throw new ArgumentException(text);
}
