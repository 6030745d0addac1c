using Switchyard.Model.Resources;
using Switchyard.Model.Selectors;

namespace Switchyard.Store.Core;

/// <summary>
/// What one list or watch selects: a kind (or all), a namespace (or all), a label selector (or none).
/// For watches it also applies Kubernetes' rule for selectors: an object that starts matching
/// is reported as Added, one that stops matching as Deleted.
/// </summary>
internal sealed class WatchFilter
{
    private readonly Selector? _selector;

    public WatchFilter(ResourceKind? kind, string? ns, Selector? selector)
    {
        Kind = kind;
        // A namespace means nothing for cluster-scoped kinds, as in the Kubernetes API.
        Namespace = kind is { Namespaced: false } || string.IsNullOrEmpty(ns) ? null : ns;
        _selector = selector is null || selector.IsEverything ? null : selector;
    }

    public ResourceKind? Kind { get; }
    public string? Namespace { get; }

    /// <summary>Kind and namespace only: what the event history and the hub can filter on cheaply.</summary>
    public bool MatchesScope(string kindKey, string ns) =>
        (Kind is null || Kind.Key == kindKey) && (Namespace is null || Namespace == ns);

    public bool Matches(StoredObject o) => MatchesScope(o.Key.Kind, o.Key.Namespace) && MatchesLabels(o.Labels);

    private bool MatchesLabels(IDictionary<string, string>? labels) => _selector is null || _selector.Matches(labels);

    /// <summary>What this watcher sees of a change: the event, its selector-transition form, or nothing.</summary>
    public WatchEvent? Translate(StoreEvent e)
    {
        if (!MatchesScope(e.Key.Kind, e.Key.Namespace)) return null;
        if (_selector is null) return e.Natural;
        var now = MatchesLabels(e.Labels);
        if (e.Type != WatchEventType.Modified || !e.LabelsChanged) return now ? e.Natural : null;
        var before = MatchesLabels(e.PreviousLabels);
        return (before, now) switch
        {
            (true, true) => e.Natural,
            (false, true) => e.Entered,
            (true, false) => e.Left,
            _ => null,
        };
    }
}
