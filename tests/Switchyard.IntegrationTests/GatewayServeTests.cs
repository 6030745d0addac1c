using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Switchyard.IntegrationTests;

/// <summary>
/// `switchyard gateway serve -f FILE` as users run it: the real binary serving a Gateway and an HTTPRoute from a manifest,
/// with no control plane, in front of a real upstream (the demo app, another process), in both I/O models.
/// </summary>
public sealed class GatewayServeTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("switchyard-gw-").FullName;
    private readonly List<Process> _processes = [];
    private Cli _cli = null!;

    public Task InitializeAsync()
    {
        _cli = new Cli(Path.Combine(_dir, "config"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill();
                await p.WaitForExitAsync();
            }
            p.Dispose();
        }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("event-loop")]
    [InlineData("thread-pool")]
    public async Task Serve_RoutesRewritesAndCounts_ThenStopsOnSigterm(string io)
    {
        var upstreamPort = Cli.FreePort();
        var upstream = Start(new StringBuilder(), "demo-app", "--listen", "127.0.0.1", "--port", upstreamPort.ToString(CultureInfo.InvariantCulture), "--app-version", "v-upstream");
        var gatewayPort = Cli.FreePort();
        var httpsPort = Cli.FreePort();
        var adminPort = Cli.FreePort();
        using var certificate = SelfSigned("shop.example.test");
        var manifest = Path.Combine(_dir, "site.yaml");
        await File.WriteAllTextAsync(manifest, Manifest(gatewayPort, httpsPort, upstreamPort, certificate));

        var output = new StringBuilder();
        var gateway = Start(output, "gateway", "serve", "-f", manifest, "--admin", $"127.0.0.1:{adminPort}", "--io", io);
        await WaitForAsync(() => Contains(output, "Admin:"), gateway, output, "the gateway to report its listeners");
        Assert.Contains($"Listening: http://127.0.0.1:{gatewayPort}", Text(output), StringComparison.Ordinal);
        Assert.Contains($"Listening: https://127.0.0.1:{httpsPort}", Text(output), StringComparison.Ordinal);
        Assert.Contains("GatewayClass switchyard: Accepted\n", Text(output).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        await WaitForAsync(() => Answers($"http://127.0.0.1:{upstreamPort}/healthz"), upstream, output, "the demo app to listen");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // Many requests over a few keep-alive connections: in the event-loop model they all run on the socket threads.
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var paths = new List<string>();
            for (var i = 0; i < 25; i++)
            {
                using var r = await http.GetAsync($"http://127.0.0.1:{gatewayPort}/shop/cart?item={i}");
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                paths.Add((string)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["path"]!);
            }
            return paths;
        }));
        Assert.All(answers.SelectMany(a => a), p => Assert.StartsWith("/cart?item=", p, StringComparison.Ordinal));

        using (var miss = await http.GetAsync($"http://127.0.0.1:{gatewayPort}/elsewhere"))
        {
            Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        }

        // HTTPS: the certificate chosen by SNI from the Secret, HTTP/2 through ALPN.
        string? served = null;
        using var tls = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, httpsPort, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => (served = cert?.GetCertHashString()) == certificate.GetCertHashString(),
            },
        }) { Timeout = TimeSpan.FromSeconds(10) };
        using (var secure = await tls.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"https://shop.example.test:{httpsPort}/shop/secure")
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        }))
        {
            Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
            Assert.Equal(HttpVersion.Version20, secure.Version);
            Assert.Equal("/secure", (string)JsonNode.Parse(await secure.Content.ReadAsStringAsync())!["path"]!);
        }
        Assert.Equal(certificate.GetCertHashString(), served);

        var metrics = await http.GetStringAsync($"http://127.0.0.1:{adminPort}/metrics");
        Assert.Contains("switchyard_proxy_requests_total{route=\"httproute default/shop rule 0\",backend=\"default/upstream:80\",code=\"200\"} 201", metrics, StringComparison.Ordinal);

        using (var term = Process.Start("kill", ["-TERM", gateway.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term!.WaitForExitAsync();
        }
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await gateway.WaitForExitAsync(exited.Token);
        Assert.True(gateway.ExitCode == 0, $"gateway serve exited {gateway.ExitCode}:\n{Text(output)}");
        Assert.Contains("Stopped.", Text(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Sighup_ServesTheEditedFile_KeepsTheProcessAndItsListener()
    {
        var onePort = Cli.FreePort();
        var twoPort = Cli.FreePort();
        var one = Start(new StringBuilder(), "demo-app", "--listen", "127.0.0.1", "--port", onePort.ToString(CultureInfo.InvariantCulture), "--app-version", "v-one");
        var two = Start(new StringBuilder(), "demo-app", "--listen", "127.0.0.1", "--port", twoPort.ToString(CultureInfo.InvariantCulture), "--app-version", "v-two");
        var (gatewayPort, httpsPort) = (Cli.FreePort(), Cli.FreePort());
        using var certificate = SelfSigned("shop.example.test");
        var manifest = Path.Combine(_dir, "site.yaml");
        await File.WriteAllTextAsync(manifest, Manifest(gatewayPort, httpsPort, onePort, certificate));
        var output = new StringBuilder();
        var gateway = Start(output, "gateway", "serve", "-f", manifest);
        await WaitForAsync(() => Contains(output, "HTTPRoute default/shop"), gateway, output, "the gateway to report its routes");
        await WaitForAsync(() => Answers($"http://127.0.0.1:{onePort}/healthz"), one, output, "the first demo app to listen");
        await WaitForAsync(() => Answers($"http://127.0.0.1:{twoPort}/healthz"), two, output, "the second demo app to listen");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        async Task<string> VersionAsync() => (string)JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{gatewayPort}/shop/"))!["version"]!;
        Assert.Equal("v-one", await VersionAsync());

        // Edited without --watch: nothing changes until the hangup.
        await File.WriteAllTextAsync(manifest, Manifest(gatewayPort, httpsPort, twoPort, certificate));
        await Task.Delay(TimeSpan.FromSeconds(1)); // sequencing only: a watch would have reloaded by now
        Assert.Equal("v-one", await VersionAsync());
        Assert.DoesNotContain("Reloaded: ", Text(output), StringComparison.Ordinal);
        using (var hup = Process.Start("kill", ["-HUP", gateway.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await hup!.WaitForExitAsync();
        }
        await WaitForAsync(() => Contains(output, "Reloaded: "), gateway, output, "the reload");
        Assert.Equal("v-two", await VersionAsync());
        Assert.False(gateway.HasExited, Text(output));

        using (var term = Process.Start("kill", ["-TERM", gateway.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term!.WaitForExitAsync();
        }
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await gateway.WaitForExitAsync(exited.Token);
        Assert.True(gateway.ExitCode == 0, $"gateway serve exited {gateway.ExitCode}:\n{Text(output)}");
    }

    [Fact]
    public async Task Serve_ManifestsFromStdin_SighupSaysSoAndKeepsServing()
    {
        var gatewayPort = Cli.FreePort();
        using var certificate = SelfSigned("shop.example.test");
        var output = new StringBuilder();
        var psi = _cli.StartInfo("gateway", "serve", "-f", "-");
        var gateway = Process.Start(psi)!;
        _processes.Add(gateway);
        gateway.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        gateway.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        await gateway.StandardInput.WriteAsync(Manifest(gatewayPort, Cli.FreePort(), Cli.FreePort(), certificate));
        gateway.StandardInput.Close();
        await WaitForAsync(() => Contains(output, "HTTPRoute default/shop"), gateway, output, "the gateway to report its routes");

        using (var hup = Process.Start("kill", ["-HUP", gateway.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await hup!.WaitForExitAsync();
        }
        await WaitForAsync(() => Contains(output, "SIGHUP: the manifests came from stdin (-f -) and cannot be read again; still serving them"), gateway, output, "the warning");
        Assert.False(gateway.HasExited, Text(output));
    }

    private static X509Certificate2 SelfSigned(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static string Base64Pem(string pem) => Convert.ToBase64String(Encoding.ASCII.GetBytes(pem));

    private static string Manifest(int gatewayPort, int httpsPort, int upstreamPort, X509Certificate2 certificate) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: switchyard
        spec:
          controllerName: switchyard.dev/gateway-controller
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: site
          namespace: default
        spec:
          gatewayClassName: switchyard
          addresses:
            - type: IPAddress
              value: 127.0.0.1
          listeners:
            - name: http
              port: {gatewayPort}
              protocol: HTTP
            - name: https
              port: {httpsPort}
              protocol: HTTPS
              hostname: shop.example.test
              tls:
                mode: Terminate
                certificateRefs:
                  - name: shop-tls
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: shop-tls
          namespace: default
        type: kubernetes.io/tls
        data:
          tls.crt: {Base64Pem(certificate.ExportCertificatePem())}
          tls.key: {Base64Pem(certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem())}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: shop
          namespace: default
        spec:
          parentRefs:
            - name: site
          rules:
            - matches:
                - path:
                    type: PathPrefix
                    value: /shop
              filters:
                - type: URLRewrite
                  urlRewrite:
                    path:
                      type: ReplacePrefixMatch
                      replacePrefixMatch: /
              backendRefs:
                - name: upstream
                  port: 80
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: upstream
          namespace: default
        spec:
          ports:
            - name: http
              port: 80
              targetPort: {upstreamPort}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: upstream-1
          namespace: default
          labels:
            kubernetes.io/service-name: upstream
        addressType: IPv4
        ports:
          - name: http
            port: {upstreamPort}
        endpoints:
          - addresses: ["127.0.0.1"]
            conditions:
              ready: true
        """;

    private Process Start(StringBuilder output, params string[] args)
    {
        var p = Process.Start(_cli.StartInfo(args))!;
        p.StandardInput.Close();
        p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _processes.Add(p);
        return p;
    }

    private static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    private static Task<bool> Contains(StringBuilder output, string text) => Task.FromResult(Text(output).Contains(text, StringComparison.Ordinal));

    private static async Task<bool> Answers(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var r = await http.GetAsync(url);
            return r.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, Process process, StringBuilder output, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            if (process.HasExited) throw new InvalidOperationException($"the process exited with {process.ExitCode} while waiting for {what}:\n{Text(output)}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"timed out waiting for {what}:\n{Text(output)}");
    }
}
