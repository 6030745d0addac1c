using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Switchyard.Cli.Commands.DemoApp;
using Switchyard.Dns.Wire;

namespace Switchyard.Cli.Tests.Commands.DemoApp;

public sealed class DemoAppTests
{
    private static DemoAppOptions Options(string pod = "web-1", string ns = "shop") => new()
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        Pod = pod,
        Namespace = ns,
        Version = "v1",
        SearchDomains = DemoAppOptions.SearchPath(ns),
    };

    [Fact]
    public async Task Get_AnyPath_AnswersJsonAboutPodAndRequest()
    {
        await using var app = await DemoAppServer.StartAsync(Options());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.Url, "/items?x=1"));
        request.Headers.Add("X-Demo", "yes");

        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("web-1", "shop", "v1", "GET", "/items?x=1"),
            (body["pod"]!.GetValue<string>(), body["namespace"]!.GetValue<string>(), body["version"]!.GetValue<string>(), body["method"]!.GetValue<string>(), body["path"]!.GetValue<string>()));
        Assert.Equal("yes", body["headers"]!["X-Demo"]!.GetValue<string>());
        Assert.Equal(app.Url.Authority, body["host"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("readyz")]
    [InlineData("healthz")]
    public async Task Probe_Toggled_FailsThenRecovers(string probe)
    {
        await using var app = await DemoAppServer.StartAsync(Options());
        using var http = new HttpClient { BaseAddress = app.Url };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/{probe}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/{probe}/fail", null)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync($"/{probe}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/other")).StatusCode);
        await http.PostAsync($"/{probe}/ok", null);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/{probe}")).StatusCode);
    }

    [Fact]
    public async Task Get_ErrorRateOne_Answers500WithReason()
    {
        await using var app = await DemoAppServer.StartAsync(Options() with { ErrorRate = 1 });
        using var http = new HttpClient { BaseAddress = app.Url };

        using var response = await http.GetAsync("/pay");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("injected failure", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Get_Upstream_ResolvesThroughClusterDnsAndEmbedsAnswer()
    {
        await using var backend = await DemoAppServer.StartAsync(Options(pod: "payments-1"));
        using var dns = new FakeDns("payments-api.shop.svc.cluster.local", IPAddress.Loopback);
        var upstream = new Uri($"http://payments-api:{backend.Url.Port}/pay");
        await using var frontend = await DemoAppServer.StartAsync(Options(pod: "frontend-1") with { Upstreams = [upstream], Dns = dns.Endpoint });
        using var http = new HttpClient { BaseAddress = frontend.Url };

        using var response = await http.GetAsync("/");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = body["upstreams"]![0]!;
        Assert.Equal(200, call["status"]!.GetValue<int>());
        Assert.Equal("payments-1", call["body"]!["pod"]!.GetValue<string>());
        Assert.Equal("/pay", call["body"]!["path"]!.GetValue<string>());
        Assert.Contains("payments-api.shop.svc.cluster.local", dns.Asked);
    }

    [Fact]
    public async Task Get_UnknownUpstream_Answers502WithTheError()
    {
        using var dns = new FakeDns("nothing.example", IPAddress.Loopback);
        await using var frontend = await DemoAppServer.StartAsync(Options() with { Upstreams = [new Uri("http://missing:8080/")], Dns = dns.Endpoint });
        using var http = new HttpClient { BaseAddress = frontend.Url };

        using var response = await http.GetAsync("/");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("missing: no such host", body["upstreams"]![0]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Candidates_ShortAndLongNames_FollowNdotsAndSearchPath()
    {
        var resolver = new ClusterDnsResolver(new IPEndPoint(IPAddress.Loopback, 53), DemoAppOptions.SearchPath("shop"), TimeSpan.FromSeconds(1));

        Assert.Equal(["payments-api.shop.svc.cluster.local", "payments-api.svc.cluster.local", "payments-api.cluster.local", "payments-api"], resolver.Candidates("payments-api"));
        Assert.Equal(["web.other.svc.cluster.local"], resolver.Candidates("web.other.svc.cluster.local.").ToArray());
        Assert.Equal("a.b.c.d.e.f", resolver.Candidates("a.b.c.d.e.f").First());
    }

    [Theory]
    [InlineData("50ms", 50, 50)]
    [InlineData("1s", 1000, 1000)]
    [InlineData("50ms-200ms", 50, 200)]
    [InlineData("0.5s-1s", 500, 1000)]
    public void Parse_Latency_ReadsFixedAndRange(string text, int min, int max)
    {
        var (value, error) = LatencySpec.Parse(text);
        Assert.Null(error);
        Assert.Equal((TimeSpan.FromMilliseconds(min), TimeSpan.FromMilliseconds(max)), (value!.Min, value.Max));
    }

    [Fact]
    public async Task Run_BadFlags_ListsEveryProblem()
    {
        using var cli = new CliRunner();

        var run = await cli.RunAsync("demo-app", "--error-rate", "2", "--latency", "soon", "--upstream", "ftp://x", "--dns", "nowhere");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--latency: invalid latency \"soon\"", run.Error, StringComparison.Ordinal);
        Assert.Contains("--error-rate: 2 must be between 0 and 1", run.Error, StringComparison.Ordinal);
        Assert.Contains("--upstream: \"ftp://x\" is not an absolute http:// URL", run.Error, StringComparison.Ordinal);
        Assert.Contains("--dns: \"nowhere\" is not IP or IP:PORT", run.Error, StringComparison.Ordinal);
    }

    /// <summary>A one-name UDP DNS server: answers A for its name, NXDOMAIN for anything else, and records the questions.</summary>
    private sealed class FakeDns : IDisposable
    {
        private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new();

        public FakeDns(string name, IPAddress address)
        {
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    UdpReceiveResult packet;
                    try
                    {
                        packet = await _udp.ReceiveAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    if (!DnsMessageReader.TryRead(packet.Buffer, out var query) || query.Questions.Count != 1) continue;
                    var q = query.Questions[0];
                    lock (Asked) Asked.Add(q.Name);
                    var hit = string.Equals(q.Name, name, StringComparison.OrdinalIgnoreCase);
                    var writer = new DnsMessageWriter();
                    writer.WriteHeader(query.Id, (ushort)(0x8180 | (hit ? 0 : 3)));
                    writer.WriteQuestion(q);
                    if (hit) writer.WriteAnswer(new DnsRecord(q.Name, RecordType.A, 5, new AddressData(address)));
                    await _udp.SendAsync(writer.ToArray(), packet.RemoteEndPoint);
                }
            });
        }

        public List<string> Asked { get; } = [];
        public IPEndPoint Endpoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

        public void Dispose()
        {
            _stop.Cancel();
            _udp.Dispose();
        }
    }
}
