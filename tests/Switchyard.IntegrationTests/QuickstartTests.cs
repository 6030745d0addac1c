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
