using System.Diagnostics;
using k8s.Models;
using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;
using Switchyard.Store;
using Switchyard.Store.Memory;
using Switchyard.Store.Sqlite;

namespace Switchyard.Bench.Store;

/// <summary>
/// The measurements for one store: apply (batched transactions, as <c>apply</c> commits a manifest,
/// and concurrent single creates), list latency (whole kind and label-filtered), and watch
/// delivery latency with many concurrent watchers (from the start of a write to its event arriving).
/// </summary>
internal static class StoreBench
{
    private const int ApplyBatch = 500;
    private const int CreateConcurrency = 64;

    public static async Task<List<Measurement>> RunAsync(string kind, BenchSettings s)
    {
        var results = new List<Measurement>();
        var dir = Path.Combine(Path.GetTempPath(), "switchyard-bench-store-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var store = Open(kind, dir);
            await Warmup(store);
            void Add(string metric, double value, string unit) => results.Add(new Measurement(kind, metric, value, unit));

            // Apply: N objects in transactions of ApplyBatch upserts.
            var sw = Stopwatch.StartNew();
            for (var start = 0; start < s.Objects; start += ApplyBatch)
            {
                var ops = Enumerable.Range(start, Math.Min(ApplyBatch, s.Objects - start))
                    .Select(i => StoreOperation.Upsert(ConfigMap("apply", i))).ToList();
                var tx = await store.CommitAsync(ops);
                if (!tx.Committed) throw new InvalidOperationException(tx.Results[0].Message);
            }
            Add("apply_objects_per_s", s.Objects / sw.Elapsed.TotalSeconds, "objects/s");

            // Concurrent single creates, CreateConcurrency at a time.
            sw.Restart();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, CreateConcurrency).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < s.Objects; i = Interlocked.Increment(ref next))
                {
                    var r = await store.CreateAsync(ConfigMap("create", i));
                    if (!r.Ok) throw new InvalidOperationException(r.Message);
                }
            })));
            Add("create_concurrent_objects_per_s", s.Objects / sw.Elapsed.TotalSeconds, "objects/s");

            // List latency.
            var query = new ListQuery(ResourceKinds.ConfigMap, "apply");
            var all = Measure(20, () => Check(store.ListAsync(query), s.Objects));
            Add("list_all_p50_ms", Percentile(all, 0.50), "ms");
            Add("list_all_p99_ms", Percentile(all, 0.99), "ms");
            var filtered = new ListQuery(ResourceKinds.ConfigMap, "apply", Selector.Parse("shard=s3").Selector);
            var some = Measure(100, () => Check(store.ListAsync(filtered), s.Objects / 10));
            Add("list_filtered_p50_ms", Percentile(some, 0.50), "ms");
            Add("list_filtered_p99_ms", Percentile(some, 0.99), "ms");

            // Watch delivery latency.
            var (p50, p99, max) = await WatchLatencyAsync(store, s.Watchers, s.Events);
            Add("watch_delivery_p50_ms", p50, "ms");
            Add("watch_delivery_p99_ms", p99, "ms");
            Add("watch_delivery_max_ms", max, "ms");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        return results;
    }

    private static IResourceStore Open(string kind, string dir) =>
        kind == "sqlite" ? SqliteResourceStore.Open(dir) : new InMemoryResourceStore();

    private static async Task Warmup(IResourceStore store)
    {
        for (var i = 0; i < 50; i++) await store.CreateAsync(ConfigMap("warmup", i));
        await store.ListAsync(new ListQuery(ResourceKinds.ConfigMap, "warmup"));
    }

    private static async Task<(double P50, double P99, double Max)> WatchLatencyAsync(IResourceStore store, int watchers, int events)
    {
        var started = new long[events];
        var latencies = new List<double>[watchers];
        using var cts = new CancellationTokenSource();
        var from = await store.GetRevisionAsync();
        var ready = new CountdownEvent(watchers);
        var tasks = Enumerable.Range(0, watchers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(events);
            var query = new WatchQuery(ResourceKinds.ConfigMap, "watch", FromRevision: from);
            var enumerator = store.WatchAsync(query, cts.Token).GetAsyncEnumerator(cts.Token);
            // The first MoveNextAsync subscribes; signal once it is waiting for the first event.
            var move = enumerator.MoveNextAsync();
            ready.Signal();
            while (await move)
            {
                var now = Stopwatch.GetTimestamp();
                var i = int.Parse(enumerator.Current.Object!.Metadata.Name.AsSpan("w-".Length));
                mine.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref started[i]), now).TotalMilliseconds);
                if (mine.Count == events) break;
                move = enumerator.MoveNextAsync();
            }
            await enumerator.DisposeAsync();
        })).ToList();
        ready.Wait();
        await Task.Delay(200);

        for (var i = 0; i < events; i++)
        {
            Volatile.Write(ref started[i], Stopwatch.GetTimestamp());
            var r = await store.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"w-{i}", NamespaceProperty = "watch" } });
            if (!r.Ok) throw new InvalidOperationException(r.Message);
        }
        var all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60))) != all) throw new TimeoutException("watchers did not receive every event within 60 s");
        var samples = latencies.SelectMany(l => l).ToList();
        return (Percentile(samples, 0.50), Percentile(samples, 0.99), samples.Max());
    }

    private static List<double> Measure(int runs, Func<Task> action)
    {
        var samples = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action().GetAwaiter().GetResult();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return samples;
    }

    private static async Task Check(ValueTask<ListResult> list, int expected)
    {
        var r = await list;
        if (r.Items.Count != expected) throw new InvalidOperationException($"listed {r.Items.Count} objects, expected {expected}");
    }

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static V1ConfigMap ConfigMap(string ns, int i) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"cm-{i:D6}",
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["app"] = "bench", ["shard"] = $"s{i % 10}" },
        },
        Data = new Dictionary<string, string> { ["index"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["payload"] = "some configuration value of moderate length" },
    };
}
