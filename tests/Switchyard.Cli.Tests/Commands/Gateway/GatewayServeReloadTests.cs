using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchyard.Cli.Commands.DemoApp;

namespace Switchyard.Cli.Tests.Commands.Gateway;

/// <summary>
/// <c>gateway serve --watch</c>: a saved change of a manifest under the watched directory is served without a restart
/// (the listener keeps its port), a change that does not read is printed with every error and the previous version goes
/// on serving, and stdin cannot be watched. (SIGHUP, which the in-process runner cannot send, is tested on the real
/// binary in Switchyard.IntegrationTests' GatewayServeTests.)
/// </summary>
public sealed class GatewayServeReloadTests
{
    private static string Backend(string name, int port) => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: default}
        spec: {ports: [{name: http, port: 80, targetPort: {{port}} }]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: {{name}}-1, namespace: default, labels: {kubernetes.io/service-name: {{name}} } }
        addressType: IPv4
        ports: [{name: http, port: {{port}} }]
        endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true} }]
        ---

        """;

    private static string Gateway(int port) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: switchyard}
        spec: {controllerName: switchyard.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: web, namespace: default}
        spec: {gatewayClassName: switchyard, listeners: [{name: http, port: {{port}}, protocol: HTTP}]}
        ---

        """;

    private static string Route(string service, string path = "/") => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: default}
        spec:
          parentRefs: [{name: web}]
          rules: [{matches: [{path: {type: PathPrefix, value: "{{path}}"} }], backendRefs: [{name: {{service}}, port: 80}]}]

        """;

    private static async Task<DemoAppServer> DemoAsync(string pod) => await DemoAppServer.StartAsync(new DemoAppOptions
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0), Pod = pod, Namespace = "default", Version = "v1", SearchDomains = DemoAppOptions.SearchPath("default"),
    });

    private static async Task<string> PodAsync(HttpClient http, int port)
    {
        using var response = await http.GetAsync($"http://127.0.0.1:{port}/cart");
        return response.StatusCode == HttpStatusCode.OK ? (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["pod"]! : $"{(int)response.StatusCode}";
    }

    [Fact]
    public async Task Watch_SavedChangeServed_BadChangePrintedAndThePreviousVersionServes()
    {
        await using var one = await DemoAsync("one");
        await using var two = await DemoAsync("two");
        using var cli = new CliRunner();
        var port = FreePort();
        cli.Write("site/base.yaml", Gateway(port) + Backend("one", one.Url.Port) + Backend("two", two.Url.Port));
        var route = cli.Write("site/route.yaml", Route("one"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter { NewLine = "\n" };
        var serve = cli.RunAsync(["gateway", "serve", "-f", "site", "--watch"], stop.Token, output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            for (var i = 0; i < 200 && !output.ToString().Contains($"Listening: http://127.0.0.1:{port}\n", StringComparison.Ordinal); i++) await Task.Delay(50);
            Assert.Contains($"Listening: http://127.0.0.1:{port}\n", output.ToString(), StringComparison.Ordinal);
            Assert.Equal("one", await PodAsync(http, port));

            await File.WriteAllTextAsync(route, Route("two"));
            var served = "one";
            for (var i = 0; i < 200 && served != "two"; i++)
            {
                await Task.Delay(50);
                served = await PodAsync(http, port);
            }
            Assert.Equal("two", served);
            Assert.Contains("Reloaded: 7 objects\n", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("HTTPRoute default/shop: parent web: Accepted, ResolvedRefs\n", output.ToString(), StringComparison.Ordinal);

            // A path value that is not a path: nothing of the file is taken, and two goes on serving.
            await File.WriteAllTextAsync(route, Route("one", path: "cart"));
            await Task.Delay(ManifestReloadsSettle * 6);
            for (var i = 0; i < 5; i++) Assert.Equal("two", await PodAsync(http, port));
            Assert.Single(Regex.Matches(output.ToString(), "Reloaded: "));
        }
        finally
        {
            await stop.CancelAsync();
        }
        var run = await serve;
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("route.yaml", run.Error, StringComparison.Ordinal);
        Assert.Contains("HTTPRoute default/shop", run.Error, StringComparison.Ordinal);
        Assert.Contains("spec.rules[0].matches[0].path.value", run.Error, StringComparison.Ordinal);
        Assert.Contains("error: 1 error in the manifests; still serving the previous version\n", run.Error, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static readonly TimeSpan ManifestReloadsSettle = Switchyard.Cli.Commands.Gateway.ManifestReloads.Settle;

    [Fact]
    public async Task Watch_Stdin_RefusedBeforeServing()
    {
        using var cli = new CliRunner { Stdin = Gateway(8080) };
        var run = await cli.RunAsync("gateway", "serve", "-f", "-", "--watch");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--watch: manifests read from stdin (-f -) cannot be read again; give files or directories\n", run.Error, StringComparison.Ordinal);
    }
}
