using System.Globalization;

namespace Switchyard.Cli.Commands.DemoApp;

/// <summary>Added latency per request: none, a fixed delay ("50ms", "1s") or a uniform range ("50ms-200ms").</summary>
internal sealed record LatencySpec(TimeSpan Min, TimeSpan Max)
{
    public static readonly LatencySpec None = new(TimeSpan.Zero, TimeSpan.Zero);

    public TimeSpan Draw(Random random) =>
        Max <= Min ? Min : Min + TimeSpan.FromTicks((long)(random.NextDouble() * (Max - Min).Ticks));

    /// <summary>Parses "50ms", "1.5s", "50ms-200ms" (units ms, s, m); null and an error message when invalid.</summary>
    public static (LatencySpec? Value, string? Error) Parse(string text)
    {
        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        var min = Duration(parts[0]);
        var max = parts.Length == 2 ? Duration(parts[1]) : min;
        if (min is null || max is null) return (null, $"invalid latency \"{text}\": expected a duration like 50ms or 1s, or a range like 50ms-200ms");
        if (max < min) return (null, $"invalid latency \"{text}\": the range's end is before its start");
        return (new LatencySpec(min.Value, max.Value), null);
    }

    public static TimeSpan? Duration(string text)
    {
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1.0),
            _ when text.EndsWith('s') => (text[..^1], 1000.0),
            _ when text.EndsWith('m') => (text[..^1], 60_000.0),
            _ => ("", 0),
        };
        if (scale == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return null;
        return TimeSpan.FromMilliseconds(value * scale);
    }

    public override string ToString() => Max <= Min ? $"{Min.TotalMilliseconds:0}ms" : $"{Min.TotalMilliseconds:0}ms-{Max.TotalMilliseconds:0}ms";
}
