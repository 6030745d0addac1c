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

    /// <summary>
    /// One kind of incremental update, timed over many rounds: wall-clock milliseconds, CPU milliseconds of the
    /// updating thread, garbage-collection pauses, allocation and collections.
    /// </summary>
    public sealed record UpdateTimes(string Kind, int Rounds, Percentiles Wall, Percentiles Cpu, Percentiles GcPause, long BytesPerUpdate, int Gen0, int Gen1, int Gen2)
    {
        /// <summary>The machine-readable line: <c>{"setting":"updates","policies":N,"kind":K,"median_ms":...,"p99_ms":...,"max_ms":...}</c>.</summary>
        public Dictionary<string, object> Line(int policies) => new()
        {
            ["setting"] = "updates", ["policies"] = policies, ["kind"] = Kind, ["rounds"] = Rounds,
            ["median_ms"] = Wall.Median, ["p95_ms"] = Wall.P95, ["p99_ms"] = Wall.P99, ["max_ms"] = Wall.Max,
            ["cpu_median_ms"] = Cpu.Median, ["cpu_p99_ms"] = Cpu.P99, ["cpu_max_ms"] = Cpu.Max,
            ["gc_pause_p99_ms"] = GcPause.P99, ["gc_pause_max_ms"] = GcPause.Max,
            ["bytes_allocated_per_update"] = BytesPerUpdate, ["gc_gen0"] = Gen0, ["gc_gen1"] = Gen1, ["gc_gen2"] = Gen2,
        };

        public override string ToString() => $"{Kind} {Wall} ms (CPU {Cpu}, GC pause p99/max {GcPause.P99:F2}/{GcPause.Max:F2}), {BytesPerUpdate:N0} B/update, GCs {Gen0}/{Gen1}/{Gen2}";
    }

    /// <summary>Median, 95th and 99th percentile (nearest rank) and maximum.</summary>
    public sealed record Percentiles(double Median, double P95, double P99, double Max)
    {
        public static Percentiles Of(List<double> values)
        {
            var sorted = values.Order().ToList();
            double Rank(double q) => Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * q) - 1)], 3);
            return new Percentiles(Rank(0.5), Rank(0.95), Rank(0.99), Math.Round(sorted[^1], 3));
        }

        public override string ToString() => $"{Median:F2}/{P99:F2}/{Max:F2}";
    }

    private static double CpuMs() => Environment.CpuUsage.TotalTime.TotalMilliseconds;

    /// <summary>CPU time of the calling thread (the update's own work, and collections it runs; not time lent to other processes).</summary>
    private static double ThreadCpuMs() => ClockGetTime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;

    private const int ClockThreadCpuTime = 3;

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

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
    /// runtime finish optimizing the update code (tiered JIT), so they measure the steady state. Every
    /// snapshot is kept until the next one is taken, as a reader holding the index would.
    /// </summary>
    public static (UpdateTimes Pod, UpdateTimes Policy) Updates(SyntheticCluster cluster, int rounds, int warmup = 40)
    {
        var compiler = new PolicyCompiler();
        foreach (var o in cluster.All()) compiler.Upsert(o);
        compiler.Snapshot();
        var pod = new Timing("pod_labels");
        var policy = new Timing("policy");
        var rng = new Random(3);
        for (var i = 0; i < rounds + warmup; i++)
        {
            if (i == warmup)
            {
                Thread.Sleep(300);
                pod.Reset();
                policy.Reset();
            }
            var source = cluster.Pods[rng.Next(cluster.Pods.Count)];
            var relabelled = new V1Pod
            {
                ApiVersion = "v1", Kind = "Pod", Spec = source.Spec, Status = source.Status,
                Metadata = new V1ObjectMeta
                {
                    Name = source.Metadata.Name, NamespaceProperty = source.Metadata.NamespaceProperty,
                    Labels = new Dictionary<string, string>(source.Metadata.Labels) { ["app"] = $"relabelled{i}" },
                },
            };
            pod.Time(() =>
            {
                compiler.Upsert(relabelled);
                compiler.Snapshot();
            });

            var old = cluster.Policies[rng.Next(cluster.Policies.Count)];
            var changed = SyntheticCluster.Policy(old.Metadata.NamespaceProperty, i, 2, rng);
            changed.Metadata.Name = old.Metadata.Name;
            policy.Time(() =>
            {
                compiler.Upsert(changed);
                compiler.Snapshot();
            });
        }
        return (pod.Result(), policy.Result());
    }

    /// <summary>Collects the wall-clock and CPU time, allocation and garbage collections of one kind of update.</summary>
    private sealed class Timing(string kind)
    {
        private readonly List<double> _wall = [], _cpu = [], _pause = [];
        private long _bytes;
        private int _gen0, _gen1, _gen2;

        public void Reset()
        {
            _wall.Clear();
            _cpu.Clear();
            _pause.Clear();
            _bytes = 0;
            _gen0 = _gen1 = _gen2 = 0;
        }

        public void Time(Action update)
        {
            var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var pause = GC.GetTotalPauseDuration();
            var cpu = ThreadCpuMs();
            var start = Stopwatch.GetTimestamp();
            update();
            _wall.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            _cpu.Add(ThreadCpuMs() - cpu);
            _pause.Add((GC.GetTotalPauseDuration() - pause).TotalMilliseconds);
            _bytes += GC.GetAllocatedBytesForCurrentThread() - bytes;
            _gen0 += GC.CollectionCount(0) - g0;
            _gen1 += GC.CollectionCount(1) - g1;
            _gen2 += GC.CollectionCount(2) - g2;
        }

        public UpdateTimes Result() =>
            new(kind, _wall.Count, Percentiles.Of(_wall), Percentiles.Of(_cpu), Percentiles.Of(_pause), _bytes / Math.Max(1, _wall.Count), _gen0, _gen1, _gen2);
    }
}
