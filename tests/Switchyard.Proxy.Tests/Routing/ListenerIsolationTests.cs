using Switchyard.Model.Gateway;
using Switchyard.Proxy.Tests.Support;

namespace Switchyard.Proxy.Tests.Routing;

/// <summary>
/// Listeners sharing a port, from the Gateway API specification: a request is routed only by the routes of the
/// listener whose hostname matches its host most specifically (listener isolation, the GatewayHTTPListenerIsolation
/// conformance case), and a listener of a later Gateway that repeats an earlier Gateway's port and hostname is
/// Conflicted and serves nothing (listeners stay distinct when Gateways are merged on one address).
/// </summary>
public sealed class ListenerIsolationTests : IAsyncLifetime
{
    private readonly Dictionary<string, EchoBackend> _backends = [];

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "exact", "wild", "any", "first", "second" }) _backends[name] = await EchoBackend.StartAsync(name);
    }

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends.Values) await backend.DisposeAsync();
    }

    private string Services => string.Concat(_backends.Select(b => Manifests.Service(b.Key, b.Value.Port)));

    private static string Route(string name, string gateway, string section, string path, string backend) => $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: {{{name}}}, namespace: default}
        spec:
          parentRefs: [{name: {{{gateway}}}, sectionName: {{{section}}}}]
          rules: [{matches: [{path: {type: PathPrefix, value: {{{path}}}}}], backendRefs: [{name: {{{backend}}}, port: 80}]}]
        ---

        """;

    private static async Task<string> BackendOf(int port, string host, string path)
    {
        using var client = Manifests.Client();
        using var response = await client.SendAsync(Manifests.Request(port, host, "GET", path));
        return response.Headers.TryGetValues("x-backend", out var backend) ? backend.Single() : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData("foo.l.test", "/only", "exact")]
    [InlineData("foo.l.test", "/other", "404")] // not the wildcard listener's "/" route: foo.l.test has a listener of its own
    [InlineData("FOO.L.TEST", "/other", "404")]
    [InlineData("foo.l.test.", "/other", "404")] // the fully qualified form is the same name
    [InlineData("bar.l.test.", "/other", "wild")]
    [InlineData("bar.l.test", "/other", "wild")]
    [InlineData("a.b.l.test", "/other", "wild")]
    [InlineData("empty.l.test", "/", "404")] // its listener has no route at all: still not the wildcard's
    [InlineData("elsewhere.test", "/", "any")]
    [InlineData("l.test", "/", "any")] // *.l.test needs a label before the suffix
    public async Task SharedPort_RequestRoutedByItsMostSpecificListenerOnly(string host, string path, string expected)
    {
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: iso, namespace: default}
            spec:
              gatewayClassName: switchyard
              listeners:
                - {name: exact, port: 0, protocol: HTTP, hostname: foo.l.test}
                - {name: empty, port: 0, protocol: HTTP, hostname: empty.l.test}
                - {name: wild, port: 0, protocol: HTTP, hostname: "*.l.test"}
                - {name: any, port: 0, protocol: HTTP}
            ---

            """
            + Route("on-exact", "iso", "exact", "/only", "exact")
            + Route("on-wild", "iso", "wild", "/", "wild")
            + Route("on-any", "iso", "any", "/", "any")
            + Services);

        Assert.Equal(expected, await BackendOf(Manifests.Port(proxy), host, path));
    }

    [Fact]
    public async Task UnprogrammedListener_ItsHostnameIsNotServedByTheWildcardListener()
    {
        // foo.l.test's certificate Secret is missing: its listener serves nothing, and its name does not fall to the
        // wildcard listener's routes (another team's, whose certificate would be valid for it).
        using var ca = new TestCertificates();
        var (wildSecret, _) = ca.Secret("wild-tls", "default", "*.l.test");
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: iso, namespace: default}
            spec:
              gatewayClassName: switchyard
              listeners:
                - {name: broken, port: 0, protocol: HTTPS, hostname: foo.l.test, tls: {certificateRefs: [{name: nosuch}]}}
                - {name: wild, port: 0, protocol: HTTPS, hostname: "*.l.test", tls: {certificateRefs: [{name: wild-tls}]}}
            ---

            """ + wildSecret + Route("on-wild", "iso", "wild", "/", "wild") + Services);
        var router = proxy.Runtime.View.Current.Listeners.Single().Value.Router;

        Assert.Null(Match(router, "foo.l.test"));
        Assert.Equal("httproute default/on-wild rule 0", Match(router, "bar.l.test")?.Rule.Name);
    }

    [Fact]
    public async Task IngressAddressSharedWithAGatewayListener_BothServed()
    {
        // The Ingress routes are those of a listener without a hostname on that port.
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              gatewayClassName: switchyard
              listeners: [{name: http, port: 0, protocol: HTTP, hostname: gw.test}]
            ---

            """ + Route("on-gw", "gw", "http", "/", "first") + Manifests.IngressAllTo("second") + Services,
            new ProxyOptions { IngressHttp = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) });
        var port = Manifests.Port(proxy);

        Assert.Equal("first", await BackendOf(port, "gw.test", "/"));
        Assert.Equal("second", await BackendOf(port, "other.test", "/"));
    }

    private static Proxy.Routing.RouteEntry? Match(Proxy.Routing.HostRouter router, string host)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString(host);
        context.Request.Path = "/";
        return router.Match(context.Request, host, "/");
    }

    [Fact]
    public async Task TwoGateways_SamePortAndHostname_TheLaterListenerConflictedAndItsRoutesUnserved()
    {
        await using var proxy = await Manifests.StartAsync(Manifests.GatewayClass + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: owner, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec:
              gatewayClassName: switchyard
              listeners: [{name: http, port: 0, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: tenant, namespace: default, creationTimestamp: "2026-02-01T00:00:00Z"}
            spec:
              gatewayClassName: switchyard
              listeners: [{name: http, port: 0, protocol: HTTP}, {name: own, port: 0, protocol: HTTP, hostname: tenant.test}]
            ---

            """
            + Route("first", "owner", "http", "/", "first")
            + Route("hijack", "tenant", "http", "/hijack", "second")
            + Route("tenant-own", "tenant", "own", "/", "second")
            + Services);
        var port = Manifests.Port(proxy);

        Assert.Equal("first", await BackendOf(port, "live.test", "/hijack"));
        Assert.Equal("second", await BackendOf(port, "tenant.test", "/")); // a distinct hostname on the same port is served
        var tenant = (GatewayStatus)proxy.Statuses.Single(s => s.Object is Gateway && s.Object.Metadata.Name == "tenant").Status;
        var conflicted = tenant.Listeners!.Single(l => l.Name == "http").Conditions!;
        Assert.Equal(("True", "HostnameConflict"), (conflicted.Single(c => c.Type == "Conflicted").Status, conflicted.Single(c => c.Type == "Conflicted").Reason));
        Assert.Contains("listener http of Gateway default/owner", conflicted.Single(c => c.Type == "Conflicted").Message, StringComparison.Ordinal);
        Assert.Equal("False", conflicted.Single(c => c.Type == "Programmed").Status);
        Assert.Equal("True", tenant.Listeners!.Single(l => l.Name == "own").Conditions!.Single(c => c.Type == "Programmed").Status);
        var owner = (GatewayStatus)proxy.Statuses.Single(s => s.Object is Gateway && s.Object.Metadata.Name == "owner").Status;
        Assert.DoesNotContain(owner.Listeners!.Single().Conditions!, c => c.Type == "Conflicted");
    }
}
