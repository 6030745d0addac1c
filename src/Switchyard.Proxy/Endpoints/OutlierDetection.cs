namespace Switchyard.Proxy.Endpoints;

/// <summary>
/// Passive health (Envoy's outlier detection): an endpoint that answers <see cref="Consecutive5xx"/> 5xx in a row,
/// or fails <see cref="ConsecutiveConnectFailures"/> connects in a row, is ejected for
/// <see cref="BaseEjectionTime"/> × the number of times it has been ejected (capped by <see cref="MaxEjectionTime"/>),
/// unless that would eject more than <see cref="MaxEjectionPercent"/> of the backend's endpoints. An endpoint that stays in
/// rotation for <see cref="MaxEjectionTime"/> after an ejection starts again from the base time.
/// </summary>
internal sealed record OutlierDetection
{
    /// <summary>Default 5; 0 turns 5xx ejection off.</summary>
    public int Consecutive5xx { get; init; } = 5;

    /// <summary>Default 5; 0 turns connect-failure ejection off.</summary>
    public int ConsecutiveConnectFailures { get; init; } = 5;

    /// <summary>Default 30s.</summary>
    public TimeSpan BaseEjectionTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Default 300s.</summary>
    public TimeSpan MaxEjectionTime { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Default 50: at least half of a backend's endpoints always stay in rotation.</summary>
    public int MaxEjectionPercent { get; init; } = 50;

    public static readonly OutlierDetection Default = new();
}
