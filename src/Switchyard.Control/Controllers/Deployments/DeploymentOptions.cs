namespace Switchyard.Control.Controllers.Deployments;

/// <summary>Settings of the Deployment controller; validated once when the controller is built.</summary>
public sealed record DeploymentOptions
{
    /// <summary>Deployments reconciled concurrently (one Deployment is never reconciled by two workers at once). Default 2.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>First retry delay after a failed sync; doubles per failure. Default 20 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Upper bound of the retry delay. Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Grace period used when a pod to delete has no <c>terminationGracePeriodSeconds</c>. Default 30 s,
    /// the Kubernetes default.
    /// </summary>
    public long DefaultGracePeriodSeconds { get; init; } = 30;

    /// <summary>Throws listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Workers < 1) errors.Add($"{nameof(Workers)} must be at least 1, not {Workers}");
        if (RetryBaseDelay <= TimeSpan.Zero) errors.Add($"{nameof(RetryBaseDelay)} must be positive");
        if (RetryMaxDelay < RetryBaseDelay) errors.Add($"{nameof(RetryMaxDelay)} must be at least {nameof(RetryBaseDelay)}");
        if (DefaultGracePeriodSeconds < 0) errors.Add($"{nameof(DefaultGracePeriodSeconds)} must not be negative");
        if (errors.Count > 0) throw new ArgumentException("invalid Deployment controller options: " + string.Join("; ", errors));
    }
}
