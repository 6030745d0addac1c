namespace Switchyard.Cli.Output;

/// <summary>
/// Formats how long ago something happened the way kubectl's AGE column does: precise while short
/// ("45s", "3m20s", "5h10m", "2d3h"), coarser as it grows ("12m", "20h", "40d", "3y100d", "9y").
/// </summary>
internal static class Age
{
    public static string Format(TimeSpan age)
    {
        if (age < TimeSpan.FromSeconds(-1)) return "<invalid>";
        if (age < TimeSpan.Zero) return "0s";
        var seconds = (long)age.TotalSeconds;
        if (seconds < 120) return $"{seconds}s";
        var minutes = (long)age.TotalMinutes;
        if (minutes < 10) return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        if (minutes < 180) return $"{minutes}m";
        var hours = (long)age.TotalHours;
        if (hours < 8) return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8) return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        var days = hours / 24;
        if (hours < 24 * 365 * 8) return days % 365 == 0 ? $"{days / 365}y" : $"{days / 365}y{days % 365}d";
        return $"{days / 365}y";
    }

    /// <summary>The age of an RFC 3339 timestamp at <paramref name="now"/>; "&lt;unknown&gt;" when absent or unreadable.</summary>
    public static string Since(string? timestamp, DateTimeOffset now) =>
        DateTimeOffset.TryParse(timestamp, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? Format(now - t)
            : "<unknown>";
}
