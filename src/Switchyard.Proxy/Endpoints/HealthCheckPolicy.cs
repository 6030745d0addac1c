using System.Globalization;

namespace Switchyard.Proxy.Endpoints;

/// <summary>
/// Active HTTP health checking of a backend's endpoints (Envoy's HTTP health checker): every <see cref="Interval"/>
/// a GET of <see cref="Path"/>, answered within <see cref="Timeout"/> with one of <see cref="ExpectedStatuses"/>.
/// <see cref="UnhealthyThreshold"/> failures in a row take an endpoint out of rotation; <see cref="HealthyThreshold"/>
/// passes in a row put it back. Endpoints start healthy and are checked at once.
/// </summary>
internal sealed record HealthCheckPolicy
{
    public required string Path { get; init; }

    /// <summary>Default 5s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Default 1s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Default 2.</summary>
    public int HealthyThreshold { get; init; } = 2;

    /// <summary>Default 3.</summary>
    public int UnhealthyThreshold { get; init; } = 3;

    /// <summary>Default 200-399 (what Kubernetes httpGet probes accept).</summary>
    public StatusRanges ExpectedStatuses { get; init; } = StatusRanges.Default;
}

/// <summary>HTTP status codes as "200", "200-299" or a comma list of both ("200,204,300-399").</summary>
internal sealed record StatusRanges(IReadOnlyList<(int From, int To)> Ranges)
{
    public static readonly StatusRanges Default = new([(200, 399)]);

    public bool Contains(int status)
    {
        foreach (var (from, to) in Ranges) if (status >= from && status <= to) return true;
        return false;
    }

    public static StatusRanges? Parse(string text)
    {
        var ranges = new List<(int, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var (a, b) = dash < 0 ? (part, part) : (part[..dash], part[(dash + 1)..]);
            if (!Status(a, out var from) || !Status(b, out var to) || from > to) return null;
            ranges.Add((from, to));
        }
        return new StatusRanges(ranges);
    }

    private static bool Status(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value is >= 100 and <= 599;

    public override string ToString() => string.Join(",", Ranges.Select(r => r.From == r.To ? $"{r.From}" : $"{r.From}-{r.To}"));

    public bool Equals(StatusRanges? other) => other is not null && ToString() == other.ToString();

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
