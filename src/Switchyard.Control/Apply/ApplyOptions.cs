namespace Switchyard.Control.Apply;

/// <summary>How one apply, create, update or delete runs.</summary>
public sealed record ApplyOptions
{
    /// <summary>Validate and admit, but write nothing (reservations made by admission are released). Default false.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Namespace given to namespaced objects that name none, as kubectl does with its current namespace.
    /// Default "default"; null leaves the field empty, so validation reports it as required.
    /// </summary>
    public string? DefaultNamespace { get; init; } = "default";

    /// <summary>
    /// Deletes only: the grace period of a Pod's termination, overriding its terminationGracePeriodSeconds;
    /// 0 removes the object at once (force). Default null: the pod's own. See <see cref="GracefulPodDeletion"/>.
    /// </summary>
    public long? GracePeriodSeconds { get; init; }

    public static ApplyOptions Default { get; } = new();
}
