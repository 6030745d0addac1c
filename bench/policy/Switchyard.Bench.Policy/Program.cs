using System.Diagnostics;
using System.Text.Json;
using k8s.Models;
using Switchyard.Bench.Policy;
using Switchyard.Policy;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;
using Switchyard.Policy.Nftables;

// bench/policy: compile, decide, update and render at 10,000 pods / 1,000 policies / 100 namespaces.
// Prints progress on stderr and one JSON object on stdout. Bounded: about a minute on one core.
var seconds = args.Length > 0 && double.TryParse(args[0], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 2.0;
var results = new Dictionary<string, object>();
void Report(string key, object value)
{
    results[key] = value;
    Console.Error.WriteLine($"{key}: {value}");
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
(double PerSecond, double NsPerVerdict, long BytesPerVerdict, double Allowed) Verdicts(PolicyIndex idx, double duration)
{
    var rng = new Random(7);
    var pods = idx.Pods.Select(Endpoint.ForPod).ToArray();
    const int n = 1 << 14;
    var src = new Endpoint[n];
    var dst = new Endpoint[n];
    var ports = new int[n];
    for (var i = 0; i < n; i++)
    {
        src[i] = pods[rng.Next(pods.Length)];
        dst[i] = pods[rng.Next(pods.Length)];
        ports[i] = rng.Next(4) switch { 0 => 8080, 1 => 9090, 2 => 9050, _ => 53 };
    }
    for (var i = 0; i < n; i++) idx.Decide(src[i], dst[i], ports[i], L4Protocol.TCP); // warm up
    long count = 0, allowed = 0;
    var alloc = GC.GetAllocatedBytesForCurrentThread();
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed.TotalSeconds < duration)
    {
        for (var i = 0; i < n; i++)
        {
            if (idx.Decide(src[i], dst[i], ports[i], L4Protocol.TCP).Allowed) allowed++;
        }
        count += n;
    }
    var elapsed = sw.Elapsed.TotalSeconds;
    var bytes = GC.GetAllocatedBytesForCurrentThread() - alloc;
    return (count / elapsed, elapsed * 1e9 / count, bytes / count, (double)allowed / count);
}

var v = Verdicts(index, seconds);
Report("verdicts_per_second", Math.Round(v.PerSecond));
Report("verdict_ns_mean", Math.Round(v.NsPerVerdict, 1));
Report("verdict_bytes_allocated", v.BytesPerVerdict);
Report("verdicts_allowed_fraction", Math.Round(v.Allowed, 3));

// Verdict cost against the number of policies (same pods): it should stay flat.
var scaling = new List<object>();
foreach (var perNs in new[] { 2, 10, 40 })
{
    var c = new SyntheticCluster(100, 100, perNs).Build();
    var sw = Stopwatch.StartNew();
    var idx = PolicyCompiler.Compile(c.All());
    var compileMs = sw.Elapsed.TotalMilliseconds;
    var r = Verdicts(idx, seconds / 2);
    scaling.Add(new { policies = c.Policies.Count, compile_ms = Math.Round(compileMs, 1), verdicts_per_second = Math.Round(r.PerSecond), ns_per_verdict = Math.Round(r.NsPerVerdict, 1) });
    Console.Error.WriteLine($"  {c.Policies.Count} policies: compile {compileMs:F0} ms, {r.PerSecond:N0} verdicts/s");
}
results["verdict_scaling"] = scaling;

// 3. Incremental updates through the compiler: one pod's labels; one policy.
var compiler = new PolicyCompiler();
foreach (var o in cluster.All()) compiler.Upsert(o);
compiler.Snapshot();
var podTimes = new List<double>();
var policyTimes = new List<double>();
var rngUpdate = new Random(3);
for (var i = 0; i < 60; i++)
{
    var pod = cluster.Pods[rngUpdate.Next(cluster.Pods.Count)];
    var copy = new V1Pod
    {
        ApiVersion = "v1", Kind = "Pod", Spec = pod.Spec, Status = pod.Status,
        Metadata = new V1ObjectMeta
        {
            Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty,
            Labels = new Dictionary<string, string>(pod.Metadata.Labels) { ["app"] = $"relabelled{i}" },
        },
    };
    var sw = Stopwatch.StartNew();
    compiler.Upsert(copy);
    compiler.Snapshot();
    podTimes.Add(sw.Elapsed.TotalMilliseconds);

    var policy = cluster.Policies[rngUpdate.Next(cluster.Policies.Count)];
    var changed = SyntheticCluster.Policy(policy.Metadata.NamespaceProperty, i, 2, rngUpdate);
    changed.Metadata.Name = policy.Metadata.Name;
    sw.Restart();
    compiler.Upsert(changed);
    compiler.Snapshot();
    policyTimes.Add(sw.Elapsed.TotalMilliseconds);
}
podTimes = podTimes.Skip(10).Order().ToList();
policyTimes = policyTimes.Skip(10).Order().ToList();
Report("update_pod_labels_ms_median", Math.Round(podTimes[podTimes.Count / 2], 2));
Report("update_pod_labels_ms_max", Math.Round(podTimes[^1], 2));
Report("update_policy_ms_median", Math.Round(policyTimes[policyTimes.Count / 2], 2));
Report("update_policy_ms_max", Math.Round(policyTimes[^1], 2));

// 4. nftables ruleset size at 2,500 / 5,000 / 10,000 pods with the same policies per namespace.
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

Console.Out.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
