using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Switchyard.Proxy.Telemetry;

/// <summary>
/// The gateway process itself, read at each scrape: Prometheus's standard process metrics (<c>process_*</c>, as its
/// client libraries export them) and the .NET runtime's (<c>dotnet_*</c>, named as OpenTelemetry's runtime semantic
/// conventions are in Prometheus). They answer what the proxy costs: CPU, resident memory and where the managed heap
/// stands (its generations after the last collection, what is committed, collections and pauses), file descriptors
/// against their limit, threads.
/// </summary>
internal static class ProcessMetrics
{
    private static readonly string[] Generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    public static void Render(StringBuilder b)
    {
        var status = ProcStatus();
        Metric(b, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", Environment.CpuUsage.TotalTime.TotalSeconds);
        Metric(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", status.Rss ?? Environment.WorkingSet);
        if (status.Virtual is { } virtualBytes) Metric(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", virtualBytes);
        Metric(b, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.", StartTime());
        if (OpenFds() is { } open) Metric(b, "process_open_fds", "gauge", "Open file descriptors.", open);
        if (MaxFds() is { } max) Metric(b, "process_max_fds", "gauge", "The limit on open file descriptors.", max);
        if (status.Threads is { } threads) Metric(b, "process_threads", "gauge", "Operating-system threads of the process.", threads);

        // GC.CollectionCount(n) counts collections of generation n and above; each generation's own are the differences.
        b.Append("# HELP dotnet_gc_collections_total Garbage collections since the process started, by the oldest generation collected.\n# TYPE dotnet_gc_collections_total counter\n");
        var counts = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
        for (var g = 0; g < 3; g++) Labeled(b, "dotnet_gc_collections_total", Generations[g], counts[g] - (g < 2 ? counts[g + 1] : 0));
        var info = GC.GetGCMemoryInfo();
        b.Append("# HELP dotnet_gc_last_collection_heap_size_bytes Managed heap size by generation after the last garbage collection.\n# TYPE dotnet_gc_last_collection_heap_size_bytes gauge\n");
        var generations = info.GenerationInfo;
        for (var g = 0; g < generations.Length && g < Generations.Length; g++) Labeled(b, "dotnet_gc_last_collection_heap_size_bytes", Generations[g], generations[g].SizeAfterBytes);
        Metric(b, "dotnet_gc_last_collection_memory_committed_size_bytes", "gauge", "Memory the garbage collector had committed at the last collection.", info.TotalCommittedBytes);
        Metric(b, "dotnet_gc_last_collection_heap_fragmentation_size_bytes", "gauge", "Free space inside the managed heap at the last collection.", info.FragmentedBytes);
        Metric(b, "dotnet_gc_heap_total_allocated_bytes_total", "counter", "Bytes allocated on the managed heap since the process started.", GC.GetTotalAllocatedBytes());
        Metric(b, "dotnet_gc_pause_time_seconds_total", "counter", "Time the garbage collector paused the process, in seconds.", GC.GetTotalPauseDuration().TotalSeconds);
        Metric(b, "dotnet_thread_pool_thread_count", "gauge", "Thread-pool threads now.", ThreadPool.ThreadCount);
    }

    private static void Metric(StringBuilder b, string name, string type, string help, double value) =>
        b.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    private static void Labeled(StringBuilder b, string name, string generation, long value) =>
        b.Append(CultureInfo.InvariantCulture, $"{name}{{gc_heap_generation=\"{generation}\"}} {value}\n");

    private readonly record struct Status(long? Rss, long? Virtual, long? Threads);

    /// <summary>VmRSS, VmSize and Threads from /proc/self/status; nulls where there is no procfs.</summary>
    private static Status ProcStatus()
    {
        long? rss = null, size = null, threads = null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line) * 1024;
                else if (line.StartsWith("VmSize:", StringComparison.Ordinal)) size = Kilobytes(line) * 1024;
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = long.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return new(rss, size, threads);
    }

    /// <summary>The number of "VmRSS:   1234 kB".</summary>
    private static long Kilobytes(string line)
    {
        var value = line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim();
        var space = value.IndexOf(' ');
        return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
    }

    private static double StartTime() => Started.Seconds;

    /// <summary>Read once, on the first scrape.</summary>
    private static class Started
    {
        public static readonly double Seconds = Read();

        private static double Read()
        {
            using var self = Process.GetCurrentProcess();
            return (self.StartTime.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
        }
    }

    private static long? OpenFds()
    {
        try
        {
            return Directory.Exists("/proc/self/fd") ? Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The soft limit of "Max open files" in /proc/self/limits; null where unknown or unlimited.</summary>
    private static long? MaxFds()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
