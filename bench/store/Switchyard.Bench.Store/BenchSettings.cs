namespace Switchyard.Bench.Store;

/// <summary>Command-line settings; defaults are the acceptance sizes.</summary>
internal sealed record BenchSettings(int Objects, int Watchers, int Events, IReadOnlyList<string> Stores)
{
    public static BenchSettings? Parse(string[] args)
    {
        int objects = 10_000, watchers = 100, events = 1_000;
        IReadOnlyList<string> stores = ["memory", "sqlite"];
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--objects" when int.TryParse(value, out var n) && n > 0: objects = n; i++; break;
                case "--watchers" when int.TryParse(value, out var n) && n > 0: watchers = n; i++; break;
                case "--events" when int.TryParse(value, out var n) && n > 0: events = n; i++; break;
                case "--store" when value is "memory" or "sqlite": stores = [value]; i++; break;
                case "--store" when value is "both": i++; break;
                default: return null;
            }
        }
        return new BenchSettings(objects, watchers, events, stores);
    }
}

/// <summary>One number, printed in the table and as a JSON line.</summary>
internal sealed record Measurement(string Store, string Metric, double Value, string Unit)
{
    public string ToJson() =>
        System.Text.Json.JsonSerializer.Serialize(new { bench = "store", store = Store, metric = Metric, value = Math.Round(Value, 3), unit = Unit });
}
