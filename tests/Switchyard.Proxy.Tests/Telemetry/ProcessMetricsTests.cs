using System.Globalization;
using System.Text;
using Switchyard.Proxy.Telemetry;

namespace Switchyard.Proxy.Tests.Telemetry;

/// <summary>
/// The process's own metrics as a scrape renders them: every family with its HELP and TYPE, values read from this
/// process (procfs, the GC), and counters that move when the process does what they count.
/// </summary>
public sealed class ProcessMetricsTests
{
    private static Dictionary<string, double> Scrape()
    {
        var b = new StringBuilder();
        ProcessMetrics.Render(b);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        string? declared = null;
        foreach (var line in b.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal)) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                declared = line.Split(' ')[2];
                continue;
            }
            var space = line.LastIndexOf(' ');
            var name = line[..space];
            Assert.StartsWith(declared!, name, StringComparison.Ordinal); // each sample follows its family's TYPE line
            samples.Add(name, double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture));
        }
        return samples;
    }

    [Fact]
    public void Render_ProcessFamilies_ReadFromThisProcess()
    {
        Task.Run(() => { }).Wait(); // a thread-pool thread exists
        var samples = Scrape();
        var status = File.ReadAllLines("/proc/self/status");
        var threads = long.Parse(status.Single(l => l.StartsWith("Threads:", StringComparison.Ordinal))[8..].Trim(), CultureInfo.InvariantCulture);

        Assert.InRange(samples["process_resident_memory_bytes"], 10_000_000, 10_000_000_000);
        Assert.True(samples["process_virtual_memory_bytes"] >= samples["process_resident_memory_bytes"]);
        Assert.InRange(samples["process_open_fds"], 3, samples["process_max_fds"]);
        Assert.InRange(samples["process_threads"], 1, threads * 4 + 64); // threads come and go between the two reads
        var started = DateTimeOffset.FromUnixTimeMilliseconds((long)(samples["process_start_time_seconds"] * 1000));
        Assert.InRange(started, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow);
        Assert.True(samples["process_cpu_seconds_total"] > 0);
        Assert.True(samples["dotnet_thread_pool_thread_count"] >= 1);
        Assert.Equal(["gen0", "gen1", "gen2", "loh", "poh"],
            samples.Keys.Where(k => k.StartsWith("dotnet_gc_last_collection_heap_size_bytes{", StringComparison.Ordinal)).Select(k => k.Split('"')[1]));
    }

    [Fact]
    public void Render_AfterAFullCollection_Gen2CountedAndPauseTimeGrows()
    {
        const string gen2 = "dotnet_gc_collections_total{gc_heap_generation=\"gen2\"}";
        var before = Scrape();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var after = Scrape();

        Assert.True(after[gen2] >= before[gen2] + 1, $"gen2 {before[gen2]} -> {after[gen2]}");
        Assert.True(after["dotnet_gc_pause_time_seconds_total"] > before["dotnet_gc_pause_time_seconds_total"]);
        Assert.True(after["dotnet_gc_last_collection_memory_committed_size_bytes"] > 0);
    }

    [Fact]
    public void Render_AfterAllocating_AllocatedBytesGrowByAtLeastThat()
    {
        const string allocated = "dotnet_gc_heap_total_allocated_bytes_total";
        var before = Scrape();
        var block = new byte[4 * 1024 * 1024];
        GC.KeepAlive(block);
        var after = Scrape();

        Assert.True(after[allocated] - before[allocated] >= block.Length, $"{before[allocated]} -> {after[allocated]}");
    }
}
