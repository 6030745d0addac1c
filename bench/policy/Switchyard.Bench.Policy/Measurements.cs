using System.Diagnostics;
using k8s.Models;
using Switchyard.Policy;
using Switchyard.Policy.Compilation;
using Switchyard.Policy.Decisions;

namespace Switchyard.Bench.Policy;

/// <summary>The timed parts of the benchmark, shared by the main run and the per-policy-count settings.</summary>
internal static class Measurements
{
    /// <summary>
    /// Rates per wall-clock second, per CPU second of this process (discounts time the core was lent to others),
    /// and in the best 16,384-verdict window (closest to an uncontended core on a shared machine).
    /// </summary>
    public sealed record VerdictRate(double PerSecond, double PerCpuSecond, double BestWindowPerSecond, double NsPerVerdict, long BytesPerVerdict, double AllowedFraction);

    /// <summary>Milliseconds per update, wall clock and process CPU (median, 95th percentile, max).</summary>
    public sealed record UpdateTimes(Percentiles Pod, Percentiles PodCpu, Percentiles Policy, Percentiles PolicyCpu);

    public sealed record Percentiles(double Median, double P95, double Max)
    {
        public static Percentiles Of(List<double> values)
        {
            var sorted = values.Order().ToList();
            return new Percentiles(Math.Round(sorted[sorted.Count / 2], 2), Math.Round(sorted[(int)(sorted.Count * 0.95)], 2), Math.Round(sorted[^1], 2));
        }

        public override string ToString() => $"{Median:F2}/{P95:F2}/{Max:F2}";
    }

    private static double CpuMs() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    /// <summary>Verdicts on one core over a fixed random sample of pod pairs and ports, for <paramref name="seconds"/>.</summary>
    public static VerdictRate Verdicts(PolicyIndex index, double seconds)
    {
        var rng = new Random(7);
        var pods = index.Pods.OrderBy(p => p.Key, StringComparer.Ordinal).Select(Endpoint.ForPod).ToArray();
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
        for (var i = 0; i < n; i++) index.Decide(src[i], dst[i], ports[i], L4Protocol.TCP); // warm up
        long count = 0, allowed = 0;
        var alloc = GC.GetAllocatedBytesForCurrentThread();
        var cpu = CpuMs();
        var sw = Stopwatch.StartNew();
        var best = long.MaxValue;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                if (index.Decide(src[i], dst[i], ports[i], L4Protocol.TCP).Allowed) allowed++;
            }
            best = Math.Min(best, Stopwatch.GetTimestamp() - start);
            count += n;
        }
        var elapsed = sw.Elapsed.TotalSeconds;
        var cpuSeconds = (CpuMs() - cpu) / 1000;
        var bytes = GC.GetAllocatedBytesForCurrentThread() - alloc;
        return new VerdictRate(count / elapsed, count / cpuSeconds, n * (double)Stopwatch.Frequency / best, cpuSeconds * 1e9 / count, bytes / count, (double)allowed / count);
    }

    /// <summary>
    /// Incremental updates through one compiler: a pod's labels change (to a label set no pod had: a new
    /// identity), and a policy is replaced; each timed from the change to the published snapshot. The first
    /// <paramref name="warmup"/> rounds are dropped, and the timed rounds start after a pause that lets the
    /// runtime finish optimizing the update code (tiered JIT), so they measure the steady state.
    /// </summary>
    public static UpdateTimes Updates(SyntheticCluster cluster, int rounds, int warmup = 40)
    {
        var compiler = new PolicyCompiler();
        foreach (var o in cluster.All()) compiler.Upsert(o);
        compiler.Snapshot();
        List<double> podTimes = [], podCpu = [], policyTimes = [], policyCpu = [];
        var rng = new Random(3);
        for (var i = 0; i < rounds + warmup; i++)
        {
            if (i == warmup) Thread.Sleep(300);
            var pod = cluster.Pods[rng.Next(cluster.Pods.Count)];
            var copy = new V1Pod
            {
                ApiVersion = "v1", Kind = "Pod", Spec = pod.Spec, Status = pod.Status,
                Metadata = new V1ObjectMeta
                {
                    Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty,
                    Labels = new Dictionary<string, string>(pod.Metadata.Labels) { ["app"] = $"relabelled{i}" },
                },
            };
            var cpu = CpuMs();
            var sw = Stopwatch.StartNew();
            compiler.Upsert(copy);
            compiler.Snapshot();
            podTimes.Add(sw.Elapsed.TotalMilliseconds);
            podCpu.Add(CpuMs() - cpu);

            var policy = cluster.Policies[rng.Next(cluster.Policies.Count)];
            var changed = SyntheticCluster.Policy(policy.Metadata.NamespaceProperty, i, 2, rng);
            changed.Metadata.Name = policy.Metadata.Name;
            cpu = CpuMs();
            sw.Restart();
            compiler.Upsert(changed);
            compiler.Snapshot();
            policyTimes.Add(sw.Elapsed.TotalMilliseconds);
            policyCpu.Add(CpuMs() - cpu);
        }
        List<double> Kept(List<double> all) => all.Skip(warmup).ToList();
        return new UpdateTimes(Percentiles.Of(Kept(podTimes)), Percentiles.Of(Kept(podCpu)), Percentiles.Of(Kept(policyTimes)), Percentiles.Of(Kept(policyCpu)));
    }
}
