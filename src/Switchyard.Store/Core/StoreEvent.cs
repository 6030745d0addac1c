using k8s;
using k8s.Models;
using Switchyard.Model.Resources;

namespace Switchyard.Store.Core;

/// <summary>
/// One committed change, as kept in the event history and fanned out to watchers. The object is
/// decoded at most once, on first use, and that one instance is shared by every watcher.
/// </summary>
internal sealed class StoreEvent
{
    private readonly Lazy<WatchEvent> _natural;
    private readonly Lazy<WatchEvent> _entered;
    private readonly Lazy<WatchEvent> _left;

    /// <param name="type">Added, Modified or Deleted.</param>
    /// <param name="json">The object after the change; for Deleted its last state, with resourceVersion = <paramref name="revision"/>.</param>
    /// <param name="previousJson">
    /// Modified only, and only when the labels changed: the state before, with resourceVersion = <paramref name="revision"/>.
    /// A label-selector watcher the object leaves gets this as a Deleted event, as Kubernetes does.
    /// </param>
    public StoreEvent(
        WatchEventType type,
        ResourceKind kind,
        StoreKey key,
        long revision,
        byte[] json,
        IDictionary<string, string>? labels,
        byte[]? previousJson = null,
        IDictionary<string, string>? previousLabels = null)
    {
        Type = type;
        Kind = kind;
        Key = key;
        Revision = revision;
        Json = json;
        Labels = labels;
        PreviousJson = previousJson;
        PreviousLabels = previousLabels;
        _natural = new(() => new WatchEvent(Type, Revision, ResourceJson.Deserialize(Kind, Json)));
        _entered = new(() => new WatchEvent(WatchEventType.Added, Revision, _natural.Value.Object));
        _left = new(() => new WatchEvent(WatchEventType.Deleted, Revision,
            PreviousJson is null ? _natural.Value.Object : ResourceJson.Deserialize(Kind, PreviousJson)));
    }

    public WatchEventType Type { get; }
    public ResourceKind Kind { get; }
    public StoreKey Key { get; }
    public long Revision { get; }
    public byte[] Json { get; }
    public IDictionary<string, string>? Labels { get; }
    public byte[]? PreviousJson { get; }

    /// <summary>Labels before a Modified change; null when they did not change (or for Added/Deleted).</summary>
    public IDictionary<string, string>? PreviousLabels { get; }

    public bool LabelsChanged => PreviousJson is not null;

    /// <summary>The event as it happened.</summary>
    public WatchEvent Natural => _natural.Value;

    /// <summary>A modification seen by a selector the object starts matching: Added.</summary>
    public WatchEvent Entered => _entered.Value;

    /// <summary>A modification seen by a selector the object stops matching: Deleted, with the state that matched.</summary>
    public WatchEvent Left => _left.Value;
}
