using System.Diagnostics.Tracing;

namespace ProxyBenchHost;

/// <summary>
/// Which types the process allocates, from the runtime's GC AllocationTick events (one about every 100 KB allocated,
/// naming the type of the allocation that crossed the mark). Switched on by BENCH_ALLOC_TYPES=1; <see cref="Report"/>
/// prints the sampled share of each type and resets, so run.sh can bracket the measured run with two SIGUSR1.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _bytes = [];
    private readonly Lock _gate = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount")], System.Globalization.CultureInfo.InvariantCulture);
        lock (_gate) _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
    }

    public void Report(TextWriter output)
    {
        lock (_gate)
        {
            var total = _bytes.Values.Sum();
            foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(25))
                output.WriteLine($"ALLOC share={100.0 * bytes / Math.Max(1, total):F1}% type={type}");
            _bytes.Clear();
        }
    }
}
