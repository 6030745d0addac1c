namespace Switchyard.Control.Controllers.EndpointSlices;

/// <summary>Settings of the EndpointSlice controller; validated once when the controller is built.</summary>
public sealed record EndpointSliceOptions
{
    /// <summary>Endpoints per slice, as kube-controller-manager's --max-endpoints-per-slice. Default 100, range 1–1000.</summary>
    public int MaxEndpointsPerSlice { get; init; } = 100;

    /// <summary>Services reconciled concurrently (one Service is never reconciled by two workers at once). Default 2.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>First retry delay after a failed sync; doubles per failure. Default 10 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Upper bound of the retry delay. Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (MaxEndpointsPerSlice is < 1 or > 1000) errors.Add($"{nameof(MaxEndpointsPerSlice)} must be between 1 and 1000, not {MaxEndpointsPerSlice}");
        if (Workers < 1) errors.Add($"{nameof(Workers)} must be at least 1, not {Workers}");
        if (RetryBaseDelay <= TimeSpan.Zero) errors.Add($"{nameof(RetryBaseDelay)} must be positive");
        if (RetryMaxDelay < RetryBaseDelay) errors.Add($"{nameof(RetryMaxDelay)} must be at least {nameof(RetryBaseDelay)}");
        if (errors.Count > 0) throw new ArgumentException("invalid EndpointSlice controller options: " + string.Join("; ", errors));
    }
}
