using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Switchyard.IntegrationTests;

/// <summary>
/// The README's main job: `switchyard up -f examples/quickstart` runs a small shop of local processes
/// that find each other through the cluster DNS and the node proxy.
/// </summary>
public sealed class QuickstartTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("switchyard-qs-").FullName;
    private Cli _cli = null!;

    public Task InitializeAsync()
    {
        _cli = new Cli(Path.Combine(_dir, "config"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Quickstart_ComesUp_FrontendReachesBackendsByName_NoPodProcessOutlivesUp()
    {
        var stateDir = Path.Combine(_dir, "state");
        var up = await UpProcess.StartAsync(_cli, stateDir, "-f", Path.Combine(Cli.RepoRoot, "examples", "quickstart"));
        await using (up)
        {
            var pods = await WaitForReadyPodsAsync(expected: 7);
            var podIps = pods.Select(p => (string)p["status"]!["podIP"]!).ToList();
            Assert.Equal(podIps.Count, podIps.Distinct().Count());

            var svc = JsonNode.Parse((await _cli.RunAsync("get", "svc", "frontend", "-o", "json")).Stdout)!;
            var clusterIp = (string)svc["spec"]!["clusterIP"]!;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            JsonNode? answer = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (answer is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var r = await http.GetAsync($"http://{clusterIp}:8080/checkout");
                    if (r.IsSuccessStatusCode) answer = JsonNode.Parse(await r.Content.ReadAsStringAsync());
                }
                catch (HttpRequestException)
                {
                }
                if (answer is null) await Task.Delay(250);
            }
            Assert.True(answer is not null, $"the frontend's ClusterIP {clusterIp}:8080 did not answer 200 within 60 s:\n{up.Output}");
            var text = answer!.ToJsonString();
            Assert.Contains("payments-api", text, StringComparison.Ordinal);
            Assert.Contains("catalog", text, StringComparison.Ordinal);

            await Gateway_RoutesByPathToFrontendAndPaymentsAsync(http, up);

            await RollingRestart_KeepsEveryPaymentsEndpointReadyAsync(up, stateDir);

            var pids = PodPids(stateDir).ToList();
            Assert.True(pids.Count >= 7, $"expected a pid file per container, found {pids.Count}");
            Assert.All(pids, pid => Assert.True(IsRunning(pid), $"pod process {pid} is not running while `up` runs"));
            Assert.Equal(0, await up.TerminateAsync());
            foreach (var pid in pids)
            {
                Assert.False(IsRunning(pid), $"pod process {pid} still runs after `up` stopped");
            }
        }
    }

    /// <summary>
    /// The quickstart's Gateway on 127.0.0.8:8080: /checkout reaches a frontend pod, /api/payments/pay reaches a
    /// payments-api pod as /pay (URLRewrite), and the HTTPRoute's status says it is accepted.
    /// </summary>
    private async Task Gateway_RoutesByPathToFrontendAndPaymentsAsync(HttpClient http, UpProcess up)
    {
        async Task<JsonNode?> GetJsonAsync(string url)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var r = await http.GetAsync(url);
                    if (r.IsSuccessStatusCode) return JsonNode.Parse(await r.Content.ReadAsStringAsync());
                }
                catch (HttpRequestException)
                {
                }
                await Task.Delay(250);
            }
            return null;
        }

        var checkout = await GetJsonAsync("http://127.0.0.8:8080/checkout");
        Assert.True(checkout is not null, $"the gateway 127.0.0.8:8080 did not answer /checkout with 200 within 60 s:\n{up.Output}");
        Assert.StartsWith("frontend-", (string)checkout!["pod"]!, StringComparison.Ordinal);
        var pay = await GetJsonAsync("http://127.0.0.8:8080/api/payments/pay");
        Assert.True(pay is not null, $"the gateway did not answer /api/payments/pay with 200 within 60 s:\n{up.Output}");
        Assert.StartsWith("payments-api-", (string)pay!["pod"]!, StringComparison.Ordinal);
        Assert.Equal("/pay", (string)pay["path"]!);

        var route = JsonNode.Parse((await _cli.RunAsync("get", "httproute", "shop", "-o", "json")).Stdout)!;
        var conditions = route["status"]!["parents"]![0]!["conditions"]!.AsArray().Select(c => $"{c!["type"]}={c["status"]}").ToList();
        Assert.Equal(["Accepted=True", "ResolvedRefs=True"], conditions);
    }

    /// <summary>
    /// payments-api has 3 replicas with maxUnavailable 0: while `rollout restart` replaces every pod, a watch on
    /// its EndpointSlices must never see fewer than 3 ready endpoints, and must see the new pods become ready.
    /// </summary>
    private async Task RollingRestart_KeepsEveryPaymentsEndpointReadyAsync(UpProcess up, string stateDir)
    {
        var token = (await File.ReadAllTextAsync(Path.Combine(stateDir, "admin.token"))).Trim();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var before = ReadyPods(JsonNode.Parse(await http.GetStringAsync(
            $"{up.Url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name%3Dpayments-api"))!["items"]!.AsArray());
        Assert.Equal(3, before.Count);

        using var watchStop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var stream = await http.GetStreamAsync(
            $"{up.Url}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?watch=true&labelSelector=kubernetes.io/service-name%3Dpayments-api",
            watchStop.Token);
        using var reader = new StreamReader(stream);
        var slices = new Dictionary<string, JsonNode>();
        var minimum = int.MaxValue;
        var seen = new HashSet<string>();
        var watching = Task.Run(async () =>
        {
            try
            {
                while (await reader.ReadLineAsync(watchStop.Token) is { } line)
                {
                    if (line.Length == 0) continue;
                    var e = JsonNode.Parse(line)!;
                    var name = (string)e["object"]!["metadata"]!["name"]!;
                    if ((string?)e["type"] == "DELETED") slices.Remove(name);
                    else slices[name] = e["object"]!;
                    var ready = ReadyPods(slices.Values);
                    lock (seen)
                    {
                        seen.UnionWith(ready);
                        minimum = Math.Min(minimum, ready.Count);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var restart = await _cli.RunAsync("rollout", "restart", "deployment/payments-api");
        Assert.True(restart.ExitCode == 0, restart.ToString());
        var status = await _cli.RunAsync("rollout", "status", "deployment/payments-api");
        Assert.True(status.ExitCode == 0, status.ToString());
        await WaitForReadyPodsAsync(expected: 7);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            lock (seen)
            {
                if (seen.Except(before).Count() >= 3) break;
            }
        }
        await watchStop.CancelAsync();
        await watching;

        lock (seen)
        {
            Assert.True(minimum >= 3, $"a watch on payments-api's EndpointSlices saw only {minimum} ready endpoints during the rollout");
            Assert.True(seen.Except(before).Count() >= 3, $"the rollout did not bring 3 new ready pods: before {string.Join(",", before)}, seen {string.Join(",", seen)}");
        }
    }

    /// <summary>The pods (by name: a replaced pod may get a freed address again) behind the ready endpoints.</summary>
    private static HashSet<string> ReadyPods(IEnumerable<JsonNode?> slices) =>
        slices.SelectMany(s => s!["endpoints"]?.AsArray() ?? [])
            .Where(e => (bool?)e!["conditions"]?["ready"] == true)
            .Select(e => (string?)e!["targetRef"]?["name"] ?? (string)e!["addresses"]![0]!)
            .ToHashSet();

    private async Task<List<JsonNode>> WaitForReadyPodsAsync(int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var r = await _cli.RunAsync("get", "pods", "-o", "json");
            last = r.ToString();
            if (r.ExitCode == 0)
            {
                var items = JsonNode.Parse(r.Stdout)!["items"]!.AsArray().Select(i => i!).ToList();
                var ready = items.Where(p => (p["status"]?["conditions"]?.AsArray() ?? [])
                    .Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True")).ToList();
                if (items.Count == expected && ready.Count == expected) return items;
            }
            await Task.Delay(500);
        }
        Assert.Fail($"the quickstart's {expected} pods were not all Ready within 120 s; last answer:\n{last}");
        return [];
    }

    /// <summary>The pids the runtime recorded for every container (first field of each container's pid file).</summary>
    private static IEnumerable<int> PodPids(string stateDir) =>
        Directory.EnumerateFiles(Path.Combine(stateDir, "pods"), "pid", SearchOption.AllDirectories)
            .Select(f => File.ReadAllText(f).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault())
            .Where(t => int.TryParse(t, out _))
            .Select(t => int.Parse(t!, System.Globalization.CultureInfo.InvariantCulture));

    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            // A zombie (state Z) has exited; only its parent has not collected it yet.
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
