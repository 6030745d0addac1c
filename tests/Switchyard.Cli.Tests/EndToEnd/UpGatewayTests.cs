using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Switchyard.Cli.Client;
using Switchyard.Cli.Commands.DemoApp;

namespace Switchyard.Cli.Tests.EndToEnd;

/// <summary>
/// <c>switchyard up</c> with the gateway flags it shares with <c>gateway serve</c>: an Ingress applied to the store served
/// on <c>--ingress-http</c> in front of a real backend (the demo app on loopback), the gateway's /metrics on
/// <c>--gateway-admin</c>, the access log on stderr, the summary naming the addresses really bound; bad values refused
/// all at once, naming their flags, before anything starts; addresses that cannot be bound stopping <c>up</c>.
/// </summary>
public sealed class UpGatewayTests
{
    private static string Site(int backendPort) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: shop
          namespace: default
        spec:
          ports:
            - name: http
              port: 80
              targetPort: {backendPort}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: shop-1
          namespace: default
          labels:
            kubernetes.io/service-name: shop
        addressType: IPv4
        ports:
          - name: http
            port: {backendPort}
        endpoints:
          - addresses: ["127.0.0.1"]
            conditions:
              ready: true
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: shop
          namespace: default
        spec:
          rules:
            - host: shop.example.test
              http:
                paths:
                  - path: /shop
                    pathType: Prefix
                    backend:
                      service:
                        name: shop
                        port:
                          number: 80
        """;

    [Fact]
    public async Task Up_IngressHttpAndGatewayAdmin_ServesTheIngressAndMetrics()
    {
        await using var backend = await DemoAppServer.StartAsync(new DemoAppOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0), Pod = "shop-1", Namespace = "default", Version = "v1", SearchDomains = DemoAppOptions.SearchPath("default"),
        });
        using var cli = new CliRunner();
        cli.Write("site.yaml", Site(backend.Url.Port));
        using var stop = new CancellationTokenSource();
        var output = new StringWriter { NewLine = "\n" };
        var up = cli.RunAsync(["up", "--in-memory", "--api", "127.0.0.1:0", "--dns", "off", "--state-dir", "state", "-f", "site.yaml",
            "--ingress-http", "127.0.0.1:0", "--gateway-admin", "127.0.0.1:0", "--gateway-access-log", "--external-auth-timeout", "2s"], stop.Token, output);
        try
        {
            await WaitForContextAsync(cli, up);

            // The summary names the addresses really bound (port 0 picked them).
            var summary = output.ToString();
            var gatewayLine = summary.Split('\n').Single(l => l.TrimStart().StartsWith("Gateway:", StringComparison.Ordinal));
            var ingress = Regex.Match(gatewayLine, @"Ingress on http://127\.0\.0\.1:(\d+)(;|$)");
            var admin = Regex.Match(gatewayLine, @"admin (http://127\.0\.0\.1:(\d+)/)metrics");
            Assert.True(ingress.Success && admin.Success, gatewayLine);
            Assert.NotEqual("0", ingress.Groups[1].Value);
            Assert.NotEqual("0", admin.Groups[2].Value);
            Assert.EndsWith("; access log on stderr", gatewayLine, StringComparison.Ordinal);
            Assert.Contains("ingress.networking.k8s.io/shop created\n", summary, StringComparison.Ordinal);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var url = $"http://127.0.0.1:{ingress.Groups[1].Value}/shop/cart?item=1";
            // The gateway follows the store: the Ingress applied by -f is served once the next compile lands.
            HttpStatusCode status = default;
            string body = "";
            for (var i = 0; i < 100 && status != HttpStatusCode.OK; i++)
            {
                if (i > 0) await Task.Delay(100);
                using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Host = "shop.example.test" } };
                using var response = await http.SendAsync(request);
                (status, body) = (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
            var answer = JsonNode.Parse(body)!;
            Assert.Equal(("shop-1", "/shop/cart?item=1"), (answer["pod"]!.GetValue<string>(), answer["path"]!.GetValue<string>()));

            using (var otherHost = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Host = "elsewhere.example.test" } })
            using (var miss = await http.SendAsync(otherHost))
            {
                Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
            }

            var metrics = await http.GetStringAsync(new Uri(new Uri(admin.Groups[1].Value), "metrics"));
            Assert.Matches(@"switchyard_proxy_requests_total\{route=""ingress default/shop rule 0 path /shop"",backend=""default/shop:80"",code=""200""\} [1-9]", metrics);
            Assert.Equal("ready\n", await http.GetStringAsync(new Uri(new Uri(admin.Groups[1].Value), "ready")));
        }
        finally
        {
            await stop.CancelAsync();
        }
        var run = await up;
        Assert.True(run.ExitCode == 0, run.Error);
        // --gateway-access-log: one JSON line per request on stderr.
        var lines = run.Error.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Contains(lines, l => (string)l["host"]! == "shop.example.test" && ((string)l["path"]!).StartsWith("/shop/cart", StringComparison.Ordinal)
            && (int)l["status"]! == 200 && (string)l["route"]! == "ingress default/shop rule 0 path /shop");
    }

    [Fact]
    public async Task Up_NoGatewayFlags_SummaryHasNoIngressNorAdmin()
    {
        using var cli = new CliRunner();
        using var stop = new CancellationTokenSource();
        var output = new StringWriter { NewLine = "\n" };
        var up = cli.RunAsync(["up", "--in-memory", "--api", "127.0.0.1:0", "--dns", "off", "--state-dir", "state"], stop.Token, output);
        try
        {
            await WaitForContextAsync(cli, up);
            Assert.Contains("  Gateway:       Gateways of controller switchyard.dev/gateway-controller\n", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
        }
        Assert.Equal(0, (await up).ExitCode);
    }

    [Fact]
    public async Task Up_BadGatewayFlags_EveryErrorNamedAndNothingStarted()
    {
        using var cli = new CliRunner();
        cli.Write("site.yaml", Site(8080));

        var run = await cli.RunAsync("up", "--state-dir", "state", "-f", "site.yaml", "--api", "127.0.0.1:0", "--dns", "127.0.0.1:0",
            "--gateway-admin", "localhost:9901", "--ingress-http", "8080", "--ingress-x-forwarded-for-trusted-cidrs", "10.0.0.1/8",
            "--gateway-io", "fast", "--tls-idle-timeout", "1d", "--external-auth-timeout", "0s");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("""
            error: --gateway-admin: 'localhost:9901' is not HOST:PORT with an IP address (e.g. 127.0.0.1:8080)
            --ingress-http: '8080' is not HOST:PORT with an IP address (e.g. 127.0.0.1:8080)
            --ingress-x-forwarded-for-trusted-cidrs: '10.0.0.1/8': must be a network address with no host bits set (did you mean "10.0.0.0/8"?)
            --gateway-io: 'fast' is not event-loop or thread-pool
            --tls-idle-timeout: '1d' is not a duration (one to four parts of up to 5 digits followed by h, m, s or ms, e.g. 30s, 500ms, 1h30m)
            --external-auth-timeout: '0s' must be longer than 0
            Run 'switchyard up --help' for usage.

            """, run.Error);
        Assert.Equal("", run.Out);
        Assert.False(Directory.Exists(Path.Combine(cli.Directory, "state")));
        Assert.Null(CurrentContext.Read(Path.Combine(cli.Directory, "config", "switchyard")));
    }

    [Fact]
    public async Task Up_GatewayAddressIsTheApiAddress_RefusedWithTheOtherFlagErrors()
    {
        using var cli = new CliRunner();

        var run = await cli.RunAsync("up", "--state-dir", "state", "--api", "127.0.0.1:17443", "--dns", "off",
            "--ingress-http", "127.0.0.1:17443", "--gateway-admin", "127.0.0.1:17443", "--tls-idle-timeout", "abc");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("""
            error: --tls-idle-timeout: 'abc' is not a duration (one to four parts of up to 5 digits followed by h, m, s or ms, e.g. 30s, 500ms, 1h30m)
            --gateway-admin: 127.0.0.1:17443 is also the --ingress-http address; use another port
            --gateway-admin: 127.0.0.1:17443 is also the --api address; use another port
            --ingress-http: 127.0.0.1:17443 is also the --api address; use another port
            Run 'switchyard up --help' for usage.

            """, run.Error);
        Assert.False(Directory.Exists(Path.Combine(cli.Directory, "state")));
    }

    [Theory]
    [InlineData("--ingress-http")]
    [InlineData("--gateway-admin")]
    public async Task Up_GatewayAddressTaken_ExitsNamingTheFlag(string flag)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}";
        using var cli = new CliRunner();

        var run = await cli.RunAsync("up", "--in-memory", "--state-dir", "state", "--api", "127.0.0.1:0", "--dns", "off", flag, address);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"error: {flag} {address}: cannot listen: ", run.Error, StringComparison.Ordinal);
        Assert.EndsWith("\nthe control plane stopped before running any pod\n", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Switchyard control plane is running.", run.Out, StringComparison.Ordinal);
        Assert.Null(CurrentContext.Read(Path.Combine(cli.Directory, "config", "switchyard")));
    }

    [Fact]
    public async Task Help_Up_ListsTheGatewayFlagsAndExamples()
    {
        using var cli = new CliRunner();
        var run = await cli.RunAsync("up", "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (var flag in new[]
        {
            "--gateway-admin <HOST:PORT>", "--ingress-http <HOST:PORT>", "--ingress-https <HOST:PORT>", "--ingress-proxy-protocol",
            "--ingress-x-forwarded-for-trusted-cidrs <CIDRS>", "--gateway-access-log", "--gateway-io <event-loop|thread-pool>",
            "--tls-idle-timeout <DURATION>", "--external-auth-timeout <DURATION>",
            "switchyard up -f shop.yaml --ingress-http 127.0.0.1:8080 --gateway-admin 127.0.0.1:9901 --gateway-access-log",
        })
        {
            Assert.Contains(flag, run.Out, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(" --admin ", run.Out, StringComparison.Ordinal);
    }

    /// <summary>Waits for <c>up</c> to record itself in current.json, which it does after printing the summary.</summary>
    private static async Task WaitForContextAsync(CliRunner cli, Task<CliRun> up)
    {
        var contextDir = Path.Combine(cli.Directory, "config", "switchyard");
        for (var i = 0; i < 600 && CurrentContext.Read(contextDir) is null && !up.IsCompleted; i++) await Task.Delay(50);
        Assert.False(up.IsCompleted, $"up exited early: {(up.IsCompleted ? up.Result.Error : "")}");
        Assert.NotNull(CurrentContext.Read(contextDir));
    }
}
