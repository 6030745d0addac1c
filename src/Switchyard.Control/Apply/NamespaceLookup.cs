using Switchyard.Model.Resources;
using Switchyard.Store;

namespace Switchyard.Control.Apply;

/// <summary>
/// Answers "does this namespace exist?" for one write: namespace <c>default</c> always does (as in
/// Kubernetes, it cannot be deleted), as do namespaces created by the same apply; others are looked
/// up in the store once each.
/// </summary>
internal sealed class NamespaceLookup(IResourceStore store, IEnumerable<string> createdTogether)
{
    public const string DefaultNamespace = "default";

    private readonly Dictionary<string, bool> _known = createdTogether.ToDictionary(n => n, _ => true, StringComparer.Ordinal);

    public async ValueTask<bool> ExistsAsync(string ns, CancellationToken cancellationToken)
    {
        if (ns == DefaultNamespace) return true;
        if (_known.TryGetValue(ns, out var exists)) return exists;
        exists = await store.GetAsync(new ObjectRef(ResourceKinds.Namespace, null, ns), cancellationToken) is not null;
        _known[ns] = exists;
        return exists;
    }

    public static ObjectRef RefOf(string ns) => new(ResourceKinds.Namespace, null, ns);

    public static string NotFoundMessage(string ns) => $"namespaces \"{ns}\" not found";
}
