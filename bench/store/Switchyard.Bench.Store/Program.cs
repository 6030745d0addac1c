using System.Globalization;
using Switchyard.Bench.Store;

// bench/store: apply, list and watch numbers for every IResourceStore implementation.
// Usage: dotnet run -c Release --project bench/store/Switchyard.Bench.Store [-- --objects N] [--watchers N] [--events N] [--store memory|sqlite|both]
var settings = BenchSettings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine("usage: Switchyard.Bench.Store [--objects N] [--watchers N] [--events N] [--store memory|sqlite|both]");
    return 2;
}

var results = new List<Measurement>();
foreach (var kind in settings.Stores)
{
    Console.Error.WriteLine($"bench/store: {kind} ...");
    results.AddRange(await StoreBench.RunAsync(kind, settings));
}

Console.WriteLine();
Console.WriteLine($"bench/store  objects={settings.Objects} watchers={settings.Watchers} events={settings.Events}  ({Environment.ProcessorCount} cores)");
Console.WriteLine();
Console.WriteLine($"{"store",-8} {"metric",-40} {"value",12}  unit");
foreach (var m in results) Console.WriteLine($"{m.Store,-8} {m.Metric,-40} {m.Value.ToString("0.###", CultureInfo.InvariantCulture),12}  {m.Unit}");
Console.WriteLine();
foreach (var m in results) Console.WriteLine(m.ToJson());
return 0;
