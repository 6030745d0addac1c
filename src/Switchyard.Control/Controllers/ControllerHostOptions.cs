namespace Switchyard.Control.Controllers;

/// <summary>How <see cref="ControllerHost"/> restarts a failed controller.</summary>
public sealed record ControllerHostOptions
{
    /// <summary>Delay before the first restart. Default 200 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The delay doubles per consecutive failure up to this. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A run that lasted this long resets the back-off. Default 60 s.</summary>
    public TimeSpan HealthyAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Throws listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (InitialBackoff <= TimeSpan.Zero) errors.Add($"{nameof(InitialBackoff)} must be positive");
        if (MaxBackoff < InitialBackoff) errors.Add($"{nameof(MaxBackoff)} must be at least {nameof(InitialBackoff)}");
        if (HealthyAfter <= TimeSpan.Zero) errors.Add($"{nameof(HealthyAfter)} must be positive");
        if (errors.Count > 0) throw new ArgumentException("invalid controller host options: " + string.Join("; ", errors));
    }
}
