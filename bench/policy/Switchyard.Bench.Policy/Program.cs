using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Switchyard.Bench.Policy;
using Switchyard.Policy;
using Switchyard.Policy.Nftables;

// bench/policy: compile, decide, update and render at 10,000 pods / 1,000 policies / 100 namespaces, then
// verdict and update cost at each --policies count (same pods). Progress goes to stderr; stdout gets JSON
// Lines: one {"setting":"policies",...} object per policy count, then one {"setting":"summary",...} object.
// Each update measurement also prints {"setting":"updates","policies":N,"kind":"pod_labels"|"policy","median_ms":...,"p99_ms":...,"max_ms":...}.
// Usage: [seconds-per-throughput-run] [--policies 200,1000,4000] [--rounds 300 (updates of each kind per setting)]
//        [--verdicts-only (just the per-count verdict rates)].
// Bounded: a few minutes on one core.
var seconds = 2.0;
int[] policyCounts = [200, 1000, 4000];
var verdictsOnly = false;
var rounds = 300;
for (var a = 0; a < args.Length; a++)
{
    if (args[a] == "--policies" && a + 1 < args.Length)
    {
        policyCounts = args[++a].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
    }
    else if (args[a] == "--rounds" && a + 1 < args.Length) rounds = int.Parse(args[++a], CultureInfo.InvariantCulture);
    else if (args[a] == "--verdicts-only") verdictsOnly = true;
    else if (double.TryParse(args[a], CultureInfo.InvariantCulture, out var s)) seconds = s;
}
var json = new JsonSerializerOptions { WriteIndented = false };
var results = new Dictionary<string, object> { ["setting"] = "summary" };
void Report(string key, object value)
{
    results[key] = value;
    Console.Error.WriteLine($"{key}: {value}");
}

if (verdictsOnly)
{
    foreach (var count in policyCounts)
    {
        var idx = PolicyCompiler.Compile(new SyntheticCluster(100, 100, Math.Max(1, count / 100)).Build().All());
        var r = Measurements.Verdicts(idx, seconds);
        Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["setting"] = "policies", ["policies"] = idx.Policies.Count, ["verdicts_per_second"] = Math.Round(r.PerSecond),
            ["verdicts_per_cpu_second"] = Math.Round(r.PerCpuSecond), ["verdicts_per_second_best_window"] = Math.Round(r.BestWindowPerSecond),
            ["verdict_bytes_allocated"] = r.BytesPerVerdict,
        }, json));
    }
    return;
}

var cluster = new SyntheticCluster(namespaces: 100, podsPerNamespace: 100, policiesPerNamespace: 10).Build();
Report("pods", cluster.Pods.Count);
Report("policies", cluster.Policies.Count);
Report("namespaces", cluster.Namespaces.Count);

// 1. Full compile (best and median of 5) and memory held by the index.
PolicyIndex index = PolicyIndex.Empty;
var compileTimes = new List<double>();
for (var i = 0; i < 5; i++)
{
    var sw = Stopwatch.StartNew();
    index = PolicyCompiler.Compile(cluster.All());
    compileTimes.Add(sw.Elapsed.TotalMilliseconds);
}
compileTimes.Sort();
Report("compile_ms_median", Math.Round(compileTimes[2], 1));
Report("compile_ms_best", Math.Round(compileTimes[0], 1));
Report("identities", index.IdentityCount);
Report("rules", index.RuleCount);
GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
var before = GC.GetTotalMemory(true);
var held = PolicyCompiler.Compile(cluster.All());
GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
var after = GC.GetTotalMemory(true);
Report("index_memory_mb", Math.Round((after - before) / 1048576.0, 1));
GC.KeepAlive(held);

// 2. Verdicts on one core: a fixed random sample of pod pairs and ports.
var v = Measurements.Verdicts(index, seconds);
Report("verdicts_per_second", Math.Round(v.PerSecond));
Report("verdicts_per_cpu_second", Math.Round(v.PerCpuSecond));
Report("verdicts_per_second_best_window", Math.Round(v.BestWindowPerSecond));
Report("verdict_cpu_ns_mean", Math.Round(v.NsPerVerdict, 1));
Report("verdict_bytes_allocated", v.BytesPerVerdict);
Report("verdicts_allowed_fraction", Math.Round(v.AllowedFraction, 3));

// 3. Incremental updates through the compiler: one pod's labels; one policy.
var (podUpdates, policyUpdates) = Measurements.Updates(cluster, rounds);
foreach (var u in new[] { podUpdates, policyUpdates })
{
    Console.Out.WriteLine(JsonSerializer.Serialize(u.Line(cluster.Policies.Count), json));
    Report($"update_{u.Kind}_ms", u.Wall);
    Report($"update_{u.Kind}_cpu_ms", u.Cpu);
}

// 4. Verdict and update cost against the number of policies (same pods): they should stay flat.
foreach (var count in policyCounts)
{
    var c = new SyntheticCluster(100, 100, Math.Max(1, count / 100)).Build();
    var sw = Stopwatch.StartNew();
    var idx = PolicyCompiler.Compile(c.All());
    var compileMs = sw.Elapsed.TotalMilliseconds;
    var r = Measurements.Verdicts(idx, seconds / 2);
    var (pod, policy) = Measurements.Updates(c, rounds);
    var line = new Dictionary<string, object>
    {
        ["setting"] = "policies", ["policies"] = c.Policies.Count, ["pods"] = c.Pods.Count, ["identities"] = idx.IdentityCount,
        ["rules"] = idx.RuleCount, ["compile_ms"] = Math.Round(compileMs, 1), ["verdicts_per_second"] = Math.Round(r.PerSecond),
        ["verdicts_per_cpu_second"] = Math.Round(r.PerCpuSecond), ["verdicts_per_second_best_window"] = Math.Round(r.BestWindowPerSecond),
        ["verdict_cpu_ns_mean"] = Math.Round(r.NsPerVerdict, 1),
        ["verdict_bytes_allocated"] = r.BytesPerVerdict, ["allowed_fraction"] = Math.Round(r.AllowedFraction, 3),
    };
    Console.Out.WriteLine(JsonSerializer.Serialize(line, json));
    Console.Out.WriteLine(JsonSerializer.Serialize(pod.Line(c.Policies.Count), json));
    Console.Out.WriteLine(JsonSerializer.Serialize(policy.Line(c.Policies.Count), json));
    Console.Error.WriteLine($"  {c.Policies.Count} policies: compile {compileMs:F0} ms, {r.PerSecond:N0} verdicts/s ({r.PerCpuSecond:N0} per CPU s, best window {r.BestWindowPerSecond:N0}/s), " +
        $"updates (median/p99/max ms) {pod}; {policy}");
}

// 5. nftables ruleset size at 2,500 / 5,000 / 10,000 pods with the same policies per namespace.
var nft = new List<object>();
foreach (var podsPerNs in new[] { 25, 50, 100 })
{
    var c = new SyntheticCluster(100, podsPerNs, 10).Build();
    var idx = PolicyCompiler.Compile(c.All());
    var sw = Stopwatch.StartNew();
    var text = NftablesRenderer.Render(idx);
    var ms = sw.Elapsed.TotalMilliseconds;
    var lines = text.Count(ch => ch == '\n');
    var elements = text.Count(ch => ch == ',') + lines;
    nft.Add(new { pods = c.Pods.Count, policies = c.Policies.Count, bytes = text.Length, lines, elements_approx = elements, render_ms = Math.Round(ms, 1) });
    Console.Error.WriteLine($"  nft at {c.Pods.Count} pods: {text.Length:N0} bytes, {lines:N0} lines, render {ms:F0} ms");
}
results["nftables"] = nft;

Console.Out.WriteLine(JsonSerializer.Serialize(results, json));
