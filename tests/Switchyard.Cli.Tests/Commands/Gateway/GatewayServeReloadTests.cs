using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchyard.Cli.Commands.DemoApp;
using Switchyard.Cli.Commands.Gateway;

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


    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 400; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"{what}: not within 20 s");
    }

    [Fact]
    public async Task Watch_SavedChangeServed_BadChangePrintedAndThePreviousVersionServes_ReplacedDirectoryWatched()
    {
        await using var one = await DemoAsync("one");
        await using var two = await DemoAsync("two");
        using var cli = new CliRunner();
        var port = FreePort();
        var site = Path.Combine(cli.Directory, "site");
        cli.Write("site/base.yaml", Gateway(port) + Backend("one", one.Url.Port) + Backend("two", two.Url.Port));
        var route = cli.Write("site/route.yaml", Route("one"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var (output, errors) = (new StringWriter { NewLine = "\n" }, new StringWriter { NewLine = "\n" });
        var serve = cli.RunAsync(["gateway", "serve", "-f", "site", "--watch"], stop.Token, output, errors);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        int Reloads() => Regex.Count(CliRunner.SoFar(output), "Reloaded: ");
        try
        {
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(output).Contains($"Listening: http://127.0.0.1:{port}\n", StringComparison.Ordinal)), "the listener");
            Assert.Equal("one", await PodAsync(http, port));

            await File.WriteAllTextAsync(route, Route("two"));
            await UntilAsync(() => Task.FromResult(Reloads() == 1), "the reload");
            Assert.Equal("two", await PodAsync(http, port));
            // The report follows the reload: waited for, as the new routing may be served before it is written.
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(output).Contains("HTTPRoute default/shop: parent web: Accepted, ResolvedRefs\n", StringComparison.Ordinal)), "the reload's report");
            Assert.Contains("Reloaded: 7 objects\n", CliRunner.SoFar(output), StringComparison.Ordinal);

            // Not manifests (an editor's swap file, vim's probe file): no reload. Then a path value that is not a path:
            // nothing of the files is taken, and two goes on serving.
            await File.WriteAllTextAsync(Path.Combine(site, ".route.yaml.swp"), "swap");
            await File.WriteAllTextAsync(Path.Combine(site, "4913"), "");
            await Task.Delay(ManifestReloads.Settle * 4); // sequencing only: a reload they caused would come before the next write
            await File.WriteAllTextAsync(route, Route("one", path: "cart"));
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(errors).Contains("still serving the previous version", StringComparison.Ordinal)), "the refused reload");
            for (var i = 0; i < 3; i++) Assert.Equal("two", await PodAsync(http, port));
            Assert.Equal(1, Reloads());
            Assert.Contains("route.yaml:6: HTTPRoute default/shop: spec.rules[0].matches[0].path.value: Invalid value: \"cart\"", CliRunner.SoFar(errors), StringComparison.Ordinal);
            Assert.Contains("error: 1 error in the manifests; still serving the previous version\n", CliRunner.SoFar(errors), StringComparison.Ordinal);

            // The directory replaced by another (as a deploy tool swaps it): served, and the new one watched.
            var next = Path.Combine(cli.Directory, "site.next");
            Directory.CreateDirectory(next);
            File.Copy(Path.Combine(site, "base.yaml"), Path.Combine(next, "base.yaml"));
            await File.WriteAllTextAsync(Path.Combine(next, "route.yaml"), Route("one"));
            Directory.Delete(site, recursive: true);
            Directory.Move(next, site);
            await UntilAsync(async () => await PodAsync(http, port) == "one", "the replaced directory served");
            await File.WriteAllTextAsync(route, Route("two"));
            await UntilAsync(async () => await PodAsync(http, port) == "two", "an edit in the replaced directory served");
        }
        finally
        {
            await stop.CancelAsync();
        }
        var run = await serve;
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.EndsWith("Stopped.\n", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_FileEmptied_RefusedAndThePreviousVersionServes()
    {
        // A shell redirect empties the file before the slow command writing it has written anything: serving that
        // would close every listener.
        await using var one = await DemoAsync("one");
        using var cli = new CliRunner();
        var port = FreePort();
        var site = cli.Write("site.yaml", Gateway(port) + Backend("one", one.Url.Port) + Route("one"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (output, errors) = (new StringWriter { NewLine = "\n" }, new StringWriter { NewLine = "\n" });
        var serve = cli.RunAsync(["gateway", "serve", "-f", "site.yaml", "--watch"], stop.Token, output, errors);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(output).Contains($"Listening: http://127.0.0.1:{port}\n", StringComparison.Ordinal)), "the listener");
            Assert.Equal("one", await PodAsync(http, port));

            await File.WriteAllTextAsync(site, "");
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(errors).Contains("the manifests hold no objects now", StringComparison.Ordinal)), "the refused reload");
            Assert.Equal("one", await PodAsync(http, port));

            // Cut short at a document boundary: objects, but no Gateway any more.
            var whole = Gateway(port) + Backend("one", one.Url.Port) + Route("one");
            await File.WriteAllTextAsync(site, whole[..(whole.IndexOf("kind: Gateway\n", StringComparison.Ordinal) - "apiVersion: gateway.networking.k8s.io/v1\n".Length)]);
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(errors).Contains("the manifests hold no Gateway or Ingress now", StringComparison.Ordinal)), "the second refused reload");
            Assert.Equal("one", await PodAsync(http, port));
            Assert.DoesNotContain("Reloaded: ", CliRunner.SoFar(output), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
        }
        var run = await serve;
        Assert.True(run.ExitCode == 0, run.Error);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }


    [Fact]
    public async Task Watch_SubdirectoryMovedOut_ItsRouteNoLongerServed()
    {
        await using var one = await DemoAsync("one");
        using var cli = new CliRunner();
        var port = FreePort();
        cli.Write("site/base.yaml", Gateway(port) + Backend("one", one.Url.Port));
        cli.Write("site/extra/route.yaml", Route("one"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter { NewLine = "\n" };
        var serve = cli.RunAsync(["gateway", "serve", "-f", "site", "--watch"], stop.Token, output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(output).Contains($"Listening: http://127.0.0.1:{port}\n", StringComparison.Ordinal)), "the listener");
            Assert.Equal("one", await PodAsync(http, port));

            // The event names a path that no longer exists and has no extension: known as a directory from the last look.
            Directory.Move(Path.Combine(cli.Directory, "site", "extra"), Path.Combine(cli.Directory, "extra-out"));
            await UntilAsync(async () => await PodAsync(http, port) == "404", "the moved-out route no longer served");
            // The class, the Gateway, the Service and its slice; written after the new routing is served, so waited for.
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(output).Contains("Reloaded: 4 objects\n", StringComparison.Ordinal)), "the reload's report");
        }
        finally
        {
            await stop.CancelAsync();
        }
        var run = await serve;
        Assert.True(run.ExitCode == 0, run.Error);
    }

    [Fact]
    public async Task Watch_FileThroughASymbolicLinkRepointed_NewTargetServedAndWatched()
    {
        // -f current/site.yaml, where current is a link a deploy tool points at each release in turn (mv -T, atomic).
        await using var one = await DemoAsync("one");
        await using var two = await DemoAsync("two");
        using var cli = new CliRunner();
        var port = FreePort();
        var head = Gateway(port) + Backend("one", one.Url.Port) + Backend("two", two.Url.Port);
        cli.Write("releases/1/site.yaml", head + Route("one"));
        Directory.CreateSymbolicLink(Path.Combine(cli.Directory, "current"), Path.Combine("releases", "1"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter { NewLine = "\n" };
        var serve = cli.RunAsync(["gateway", "serve", "-f", "current/site.yaml", "--watch"], stop.Token, output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            await UntilAsync(() => Task.FromResult(CliRunner.SoFar(output).Contains($"Listening: http://127.0.0.1:{port}\n", StringComparison.Ordinal)), "the listener");
            Assert.Equal("one", await PodAsync(http, port));

            var release2 = cli.Write("releases/2/site.yaml", head + Route("two"));
            Directory.CreateSymbolicLink(Path.Combine(cli.Directory, "current.next"), Path.Combine("releases", "2"));
            using (var mv = System.Diagnostics.Process.Start("mv", ["-T", Path.Combine(cli.Directory, "current.next"), Path.Combine(cli.Directory, "current")]))
            {
                await mv.WaitForExitAsync();
                Assert.Equal(0, mv.ExitCode);
            }
            await UntilAsync(async () => await PodAsync(http, port) == "two", "the release the link points at now");

            await File.WriteAllTextAsync(release2, head + Route("one"));
            await UntilAsync(async () => await PodAsync(http, port) == "one", "an edit in that release");
        }
        finally
        {
            await stop.CancelAsync();
        }
        var run = await serve;
        Assert.True(run.ExitCode == 0, run.Error);
    }

    [Fact]
    public async Task Watch_Stdin_RefusedBeforeServing()
    {
        using var cli = new CliRunner { Stdin = Gateway(8080) };
        var run = await cli.RunAsync("gateway", "serve", "-f", "-", "--watch");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--watch: manifests read from stdin (-f -) cannot be read again; give files or directories\n", run.Error, StringComparison.Ordinal);
    }
}
