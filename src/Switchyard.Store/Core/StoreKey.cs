using Switchyard.Model.Resources;

namespace Switchyard.Store.Core;

/// <summary>
/// The identity of a stored object: kind key ("Service", "Deployment.apps"), namespace ("" for
/// cluster-scoped kinds) and name. Ordinal comparison; sorts by namespace, then name, then kind.
/// </summary>
internal readonly record struct StoreKey(string Kind, string Namespace, string Name) : IComparable<StoreKey>
{
    /// <summary>The namespace a namespaced object without one lands in, as kubectl does.</summary>
    public const string DefaultNamespace = "default";

    /// <summary>Normalizes a reference: cluster-scoped kinds have no namespace, namespaced ones default to "default".</summary>
    public static StoreKey From(ObjectRef key) =>
        new(key.Kind.Key, NamespaceFor(key.Kind, key.Namespace), key.Name);

    public static string NamespaceFor(ResourceKind kind, string? ns) =>
        !kind.Namespaced ? "" : string.IsNullOrEmpty(ns) ? DefaultNamespace : ns;

    public int CompareTo(StoreKey other)
    {
        var c = string.CompareOrdinal(Namespace, other.Namespace);
        if (c != 0) return c;
        c = string.CompareOrdinal(Name, other.Name);
        return c != 0 ? c : string.CompareOrdinal(Kind, other.Kind);
    }
}
