namespace Switchyard.Store.Core;

/// <summary>
/// Settings shared by every store implementation. Validated once when a store is built;
/// the store keeps its own copy, so later changes by the caller have no effect.
/// </summary>
public sealed record ResourceStoreOptions
{
    /// <summary>
    /// How many of the latest events the store keeps so that a watcher can resume from an older revision.
    /// A watch from a revision older than that gets <see cref="WatchEventType.Expired"/>. Default 10,000.
    /// </summary>
    public int EventRetention { get; init; } = 10_000;

    /// <summary>
    /// Events buffered for one live watcher. A watcher that falls further behind stops receiving live
    /// events and catches up from the event history instead (so it never slows writers or other watchers);
    /// if the history no longer reaches back far enough it gets <see cref="WatchEventType.Expired"/>. Default 4,096.
    /// </summary>
    public int WatchBufferSize { get; init; } = 4_096;

    /// <summary>Source of creationTimestamp. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Source of metadata.uid for new objects. Default <see cref="Guid.NewGuid"/>.</summary>
    public Func<Guid> NewUid { get; init; } = Guid.NewGuid;

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (EventRetention < 1) errors.Add($"EventRetention must be at least 1 (got {EventRetention})");
        if (WatchBufferSize < 1) errors.Add($"WatchBufferSize must be at least 1 (got {WatchBufferSize})");
        if (TimeProvider is null) errors.Add("TimeProvider is required");
        if (NewUid is null) errors.Add("NewUid is required");
        return errors;
    }

    internal ResourceStoreOptions ValidatedCopy()
    {
        var errors = Validate();
        if (errors.Count > 0) throw new ArgumentException("invalid store options: " + string.Join("; ", errors));
        return this with { };
    }
}
